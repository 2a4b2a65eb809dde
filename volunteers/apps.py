from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from activities import events

        # emails: the outbox senders; own_data: registers volunteering's personal data.
        from . import emails, own_data, shifts  # noqa: F401

        # A moved, cancelled or restored date moves, cancels or restores its shifts.
        events.date_cancelled.connect(shifts.on_date_cancelled)
        events.date_moved.connect(shifts.on_date_moved)
        events.date_restored.connect(shifts.on_date_restored)
