from datetime import date

from django.urls import path, register_converter

from network.public_cache import public_page
from network.shared import limit_concurrency, secret_link_page

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

#: Laying out a PDF takes a second or more: at most two at once, so the web workers that
#: serve pages are never all busy printing (cached PDFs need no slot).
printing_slot = limit_concurrency("print", slots=2)

app_name = "activities"

urlpatterns = [
    # Browsing (everyone)
    path("agenda/", public_page(agenda.agenda), name="agenda"),
    path("agenda/week/", public_page(agenda.agenda_week), name="agenda_week"),
    path("agenda/maand/", public_page(agenda.agenda_month), name="agenda_month"),
    path(
        "activiteiten/<slug:slug>/",
        public_page(detail.activity_detail),
        name="activity_detail",
    ),
    path(
        "activiteiten/<slug:slug>/<day:day>/",
        public_page(detail.occurrence_detail),
        name="occurrence_detail",
    ),
    # Taking it home
    path("agenda.ics", public_page(feeds.agenda_ics), name="agenda_ics"),
    path("netwerken/<slug:slug>/agenda.ics", public_page(feeds.network_ics), name="network_ics"),
    path(
        "organisaties/<slug:slug>/agenda.ics",
        public_page(feeds.organisation_ics),
        name="organisation_ics",
    ),
    path(
        "activiteiten/<slug:slug>/agenda.ics",
        public_page(feeds.activity_ics),
        name="activity_ics",
    ),
    path(
        "activiteiten/<slug:slug>/<day:day>/agenda.ics",
        public_page(feeds.occurrence_ics),
        name="occurrence_ics",
    ),
    path("agenda/nieuw.rss", public_page(feeds.LatestActivitiesRss()), name="latest_rss"),
    path("agenda/nieuw.atom", public_page(feeds.LatestActivitiesAtom()), name="latest_atom"),
    path("insluiten/", public_page(embed.embed_agenda), name="embed_agenda"),
    path("insluiten/code/", embed.embed_snippet, name="embed_snippet"),
    path("afdrukken/week/", public_page(printing_slot(printing.week_pdf)), name="print_week"),
    path("afdrukken/maand/", public_page(printing_slot(printing.month_pdf)), name="print_month"),
    path(
        "activiteiten/<slug:slug>/poster.pdf",
        public_page(printing_slot(printing.poster_pdf)),
        name="poster_pdf",
    ),
    # Registering for a date (residents)
    path(
        "activiteiten/<slug:slug>/<day:day>/aanmelden/",
        registration.register,
        name="register",
    ),
    path(
        "aanmelding/<uuid:token>/",
        secret_link_page(registration.manage_registration),
        name="registration",
    ),
    path(
        "aanmelding/<uuid:token>/afmelden/",
        secret_link_page(registration.withdraw_registration),
        name="registration_withdraw",
    ),
    path("mijn-aanmeldingen/", registration.my_registrations, name="my_registrations"),
    path(
        "activiteiten/<slug:slug>/aanmeldingen/",
        registration.registration_list,
        name="registration_list",
    ),
    path(
        "activiteiten/<slug:slug>/<day:day>/aanmeldingen/nieuw/",
        registration.enter_registration,
        name="registration_enter",
    ),
    path(
        "activiteiten/<slug:slug>/<day:day>/deurlijst.pdf",
        printing_slot(registration.door_list),
        name="door_list",
    ),
    # Editors and coordinators
    path("mijn-activiteiten/", editor.my_activities, name="my_activities"),
    path(
        "organisaties/<slug:slug>/activiteiten/nieuw/",
        editor.activity_create,
        name="activity_create",
    ),
    path("activiteiten-voorbeeld/", editor.schedule_preview, name="schedule_preview"),
    path("activiteiten-ruimtes/", editor.room_choices, name="room_choices"),
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
