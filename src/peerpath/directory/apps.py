from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "peerpath.directory"
    label = "directory"
    verbose_name = "Directory"
