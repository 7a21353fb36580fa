from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "peerpath.screening"
    label = "screening"
    verbose_name = "Screening"
