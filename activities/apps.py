from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from network import personal_data

        from . import emails, events, registrations  # noqa: F401  (emails: outbox senders)
        from .models import Activity, Registration

        events.date_cancelled.connect(registrations.on_date_cancelled)
        events.date_moved.connect(registrations.on_date_moved)
        events.date_restored.connect(registrations.on_date_restored)
        personal_data.register(
            "registrations",
            label=gettext_lazy("Registrations for activities"),
            export=registrations.export_own,
            summary=registrations.summarise_own,
            erase=registrations.erase_own,
            models=[Registration],
            order=50,
        )
        personal_data.exempt(
            Activity,
            "created_by",
            why="Who entered an activity: the organisation's record, cleared with the account.",
        )
