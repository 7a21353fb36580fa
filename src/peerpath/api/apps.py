from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "peerpath.api"
    label = "api"
    verbose_name = "API"
