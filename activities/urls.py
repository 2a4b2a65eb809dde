from datetime import date

from django.urls import path, register_converter

from .views import (
    agenda,
    calendar_feeds,
    detail,
    editor,
    embed,
    feeds,
    moderation,
    places,
    printing,
    registration,
)


class IsoDateConverter:
    """A day in a URL as 2026-11-19: one date of an activity."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as error:  # 2026-02-31: no such day, so no such page
            raise ValueError(value) from error

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else value


register_converter(IsoDateConverter, "day")

app_name = "activities"

urlpatterns = [
    # Browsing (everyone)
    path("agenda/", agenda.agenda, name="agenda"),
    path("agenda/week/", agenda.agenda_week, name="agenda_week"),
    path("agenda/maand/", agenda.agenda_month, name="agenda_month"),
    path("activiteiten/<slug:slug>/", detail.activity_detail, name="activity_detail"),
    path("activiteiten/<slug:slug>/<day:day>/", detail.occurrence_detail, name="occurrence_detail"),
    # Taking it home
    path("agenda.ics", feeds.agenda_ics, name="agenda_ics"),
    path("netwerken/<slug:slug>/agenda.ics", feeds.network_ics, name="network_ics"),
    path("organisaties/<slug:slug>/agenda.ics", feeds.organisation_ics, name="organisation_ics"),
    path("activiteiten/<slug:slug>/agenda.ics", feeds.activity_ics, name="activity_ics"),
    path(
        "activiteiten/<slug:slug>/<day:day>/agenda.ics",
        feeds.occurrence_ics,
        name="occurrence_ics",
    ),
    path("agenda/nieuw.rss", feeds.LatestActivitiesRss(), name="latest_rss"),
    path("agenda/nieuw.atom", feeds.LatestActivitiesAtom(), name="latest_atom"),
    path("insluiten/", embed.embed_agenda, name="embed_agenda"),
    path("insluiten/code/", embed.embed_snippet, name="embed_snippet"),
    path("afdrukken/week/", printing.week_pdf, name="print_week"),
    path("afdrukken/maand/", printing.month_pdf, name="print_month"),
    path("activiteiten/<slug:slug>/poster.pdf", printing.poster_pdf, name="poster_pdf"),
    # Registering for a date (residents)
    path(
        "activiteiten/<slug:slug>/<day:day>/aanmelden/",
        registration.register,
        name="register",
    ),
    path("aanmelding/<uuid:token>/", registration.manage_registration, name="registration"),
    path(
        "activiteiten/<slug:slug>/aanmeldingen/",
        registration.registration_list,
        name="registration_list",
    ),
    # Editors and coordinators
    path("mijn-activiteiten/", editor.my_activities, name="my_activities"),
    path(
        "organisaties/<slug:slug>/activiteiten/nieuw/",
        editor.activity_create,
        name="activity_create",
    ),
    path("activiteiten-voorbeeld/", editor.schedule_preview, name="schedule_preview"),
    path("activiteiten/<slug:slug>/bewerken/", editor.activity_edit, name="activity_edit"),
    path("activiteiten/<slug:slug>/data/", editor.occurrence_list, name="occurrence_list"),
    path("activiteiten/<slug:slug>/indienen/", editor.activity_submit, name="activity_submit"),
    path("activiteiten/<slug:slug>/afgelasten/", editor.activity_cancel, name="activity_cancel"),
    path(
        "activiteiten/<slug:slug>/<day:day>/wijzigen/",
        editor.occurrence_edit,
        name="occurrence_edit",
    ),
    path(
        "activiteiten/<slug:slug>/<day:day>/afgelasten/",
        editor.occurrence_cancel,
        name="occurrence_cancel",
    ),
    # Network administrators
    path("beheer/<slug:slug>/activiteiten/", moderation.queue, name="moderation_queue"),
    path(
        "beheer/<slug:slug>/activiteiten/<slug:activity>/",
        moderation.review,
        name="moderation_review",
    ),
    path("beheer/<slug:slug>/plaatsen/", places.place_list, name="place_list"),
    path("beheer/<slug:slug>/plaatsen/nieuw/", places.place_create, name="place_create"),
    path("beheer/<slug:slug>/plaatsen/<slug:place>/", places.place_edit, name="place_edit"),
    # Connected calendars (organisation editors)
    path(
        "organisaties/<slug:slug>/agenda-koppelen/",
        calendar_feeds.feed_list,
        name="calendar_feeds",
    ),
    path(
        "organisaties/<slug:slug>/agenda-koppelen/<int:pk>/",
        calendar_feeds.feed_detail,
        name="calendar_feed",
    ),
]
