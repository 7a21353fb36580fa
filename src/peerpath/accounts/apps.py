from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peerpath.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from peerpath.accounts import receivers  # noqa: F401  (audit of sign-in and MFA events)
