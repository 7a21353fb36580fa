from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "peerpath.matching"
    label = "matching"

    def ready(self) -> None:
        # Registers what a withdrawal of consent ends (proposals) and what a message in a pair's conversation does.
        from peerpath.matching import matches, proposals, wellbeing  # noqa: F401
