from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # emails: the outbox senders; own_data: "my data" (network.personal_data).
        from . import emails, own_data  # noqa: F401
        from .fields import check_keys

        # Production refuses to start without an encryption key (migrate runs the checks).
        checks.register(check_keys, "referrals")
