from django.apps import AppConfig


class MessagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "peerpath.messages"
    # Django's own django.contrib.messages already holds the label "messages".
    label = "conversations"
    verbose_name = "Private conversations"
