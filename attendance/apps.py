from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        # own_data: registers the participant record with network.personal_data.
        # Check-ins: checkin_data (personal data) and emails (the outbox senders).
        from . import checkin_data, emails, own_data  # noqa: F401
