from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Networks and organisations")

    def ready(self) -> None:
        from . import emails  # noqa: F401  (registers its outbox senders)
        from .own_data import register_kinds

        register_kinds()
