"""Calendar feeds (iCalendar) and news feeds (RSS, Atom), read the way clients read them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from icalendar import Calendar

from activities import services
from activities.models import Activity, Frequency, Occurrence, Status, Theme
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.factories import OrganisationFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ATOM = "{http://www.w3.org/2005/Atom}"


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def fetch(client, url: str, **params) -> Calendar:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def by_uid(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in events(calendar)}


def summaries(calendar: Calendar) -> set[str]:
    return {str(event["SUMMARY"]) for event in events(calendar)}


def client_start(calendar: Calendar, event) -> datetime:
    """The moment a calendar program computes for DTSTART: the wall-clock time in the
    file, placed in the time zone as the file's own VTIMEZONE defines it."""
    (component,) = [
        tz
        for tz in calendar.walk("VTIMEZONE")
        if str(tz["TZID"]) == event["DTSTART"].params["TZID"]
    ]
    zone = component.to_tz(lookup_tzid=False)
    wall = event["DTSTART"].dt.replace(tzinfo=None)
    return wall.replace(tzinfo=zone).astimezone(UTC)


@pytest.fixture
def klokhuis(world):
    return world.organisation


# Time zone and daylight-saving time ----------------------------------------------------


def test_weekly_activity_keeps_local_time_across_daylight_saving_changes(client, klokhuis):
    activity = make_activity(organisation=klokhuis, start_date=tomorrow(), start_time=time(10))
    calendar = fetch(client, reverse("activities:organisation_ics", args=[klokhuis.slug]))
    found = events(calendar)
    stored = {o.original_date: o for o in activity.occurrences.all()}
    # The stored horizon is 400 days: both a spring and an autumn change lie inside it.
    assert len(found) == len(stored) > 52
    offsets = set()
    for event in found:
        start = event.start
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert (start.hour, start.minute) == (10, 0)
        assert (event.end.hour, event.end.minute) == (11, 30)
        offsets.add(start.utcoffset())
        occurrence = stored[start.date()]
        # What a client computes with the VTIMEZONE in the file is the stored moment.
        assert client_start(calendar, event) == occurrence.starts_at.astimezone(UTC)
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_vtimezone_matches_the_time_zone_database(client, klokhuis):
    make_activity(organisation=klokhuis)
    calendar = fetch(client, reverse("activities:agenda_ics"))
    (component,) = calendar.walk("VTIMEZONE")
    assert str(component["TZID"]) == "Europe/Amsterdam"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Amsterdam"
    defined = component.to_tz(lookup_tzid=False)
    moment = datetime(timezone.now().year - 1, 1, 1, tzinfo=UTC)
    end = moment + timedelta(days=3 * 366)
    while moment < end:  # three years: every half hour in March and October, else daily
        assert moment.astimezone(defined).utcoffset() == moment.astimezone(AMSTERDAM).utcoffset()
        step = timedelta(minutes=30) if moment.month in (3, 10) else timedelta(days=1)
        moment += step


def test_calendar_properties_and_headers(client, klokhuis):
    make_activity(organisation=klokhuis)
    response = client.get(reverse("activities:agenda_ics"))
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]).startswith("-//Omzien//")
    assert str(calendar["X-WR-CALNAME"])
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    assert b"X-PUBLISHED-TTL:PT6H" in response.content
    assert response["Content-Disposition"] == 'inline; filename="agenda.ics"'
    assert "max-age=900" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    # An unchanged feed is not sent again.
    again = client.get(reverse("activities:agenda_ics"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_event_content(client, klokhuis, settings):
    settings.SITE_URL = "https://omzien.example"
    place = PlaceFactory(name="Dorpshuis De Brink", address="Brink 2", postcode="4153 AB")
    room = RoomFactory(place=place, name="Grote zaal")
    partner = OrganisationFactory(name="Bibliotheek Beesd")
    activity = make_activity(
        organisation=klokhuis,
        title="Samen schilderen",
        frequency=Frequency.ONCE,
        description="Met koffie en koek.",
        place=place,
        room=room,
        theme=Theme.CREATIVE,
        contact_email="privé@example.org",
    )
    activity.co_organisers.add(partner)
    calendar = fetch(client, reverse("activities:activity_ics", args=[activity.slug]))
    (event,) = events(calendar)
    occurrence = activity.occurrences.get()
    assert str(event["UID"]) == (
        f"occurrence-{activity.pk}-{occurrence.original_date:%Y%m%d}@omzien.example"
    )
    assert str(event["SUMMARY"]) == "Samen schilderen"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Dorpshuis De Brink, Grote zaal, Brink 2, 4153 AB Beesd"
    assert str(event["URL"]) == f"https://omzien.example{occurrence.get_absolute_url()}"
    description = str(event["DESCRIPTION"])
    assert "Met koffie en koek." in description
    assert "Het Klokhuis" in description and "Bibliotheek Beesd" in description
    assert str(event["ORGANIZER"].params["CN"]) == "Het Klokhuis"
    assert not str(event["ORGANIZER"]).startswith("mailto:")
    assert "privé@example.org" not in calendar.to_ical().decode()
    assert event.categories == [str(Theme.CREATIVE.label)]
    assert event["LAST-MODIFIED"].dt == activity.updated_at.replace(microsecond=0)
    assert event["DTSTAMP"].dt.tzinfo is not None


def test_english_on_request(client, klokhuis):
    make_activity(organisation=klokhuis, frequency=Frequency.ONCE)
    calendar = fetch(client, reverse("activities:agenda_ics"), lang="en")
    assert "Organised by Het Klokhuis." in str(events(calendar)[0]["DESCRIPTION"])


# Identity, changes and cancellations -----------------------------------------------------


def test_uids_stay_the_same_when_the_series_is_regenerated(client, klokhuis):
    activity = make_activity(organisation=klokhuis, frequency=Frequency.WEEKLY)
    Activity.objects.filter(pk=activity.pk).update(
        updated_at=activity.updated_at - timedelta(hours=1)
    )
    activity.refresh_from_db()
    url = reverse("activities:activity_ics", args=[activity.slug])
    before = by_uid(fetch(client, url))
    services.update_activity(activity=activity, data={"end_time": time(12, 15)})
    after = by_uid(fetch(client, url))
    assert before.keys() == after.keys()
    for uid, event in after.items():
        assert (event.end.hour, event.end.minute) == (12, 15)
        assert before[uid].end.hour == 11
        assert event["SEQUENCE"] > before[uid]["SEQUENCE"]


def test_moved_date_keeps_its_uid_and_shows_the_new_time(client, klokhuis):
    activity = make_activity(organisation=klokhuis, start_date=tomorrow())
    occurrence = activity.occurrences.order_by("starts_at")[1]
    other_place = PlaceFactory(name="Sporthal")
    url = reverse("activities:activity_ics", args=[activity.slug])
    uid = f"occurrence-{activity.pk}-{occurrence.original_date:%Y%m%d}@localhost"
    before = by_uid(fetch(client, url))[uid]
    new_day = occurrence.original_date + timedelta(days=1)
    services.change_occurrence(
        occurrence=occurrence,
        day=new_day,
        start_time=time(14, 0),
        end_time=time(16, 0),
        place=other_place,
    )
    calendar = fetch(client, url)
    moved = by_uid(calendar)[uid]
    assert moved.start == datetime.combine(new_day, time(14), AMSTERDAM)
    assert moved.end == datetime.combine(new_day, time(16), AMSTERDAM)
    assert str(moved["LOCATION"]).startswith("Sporthal")
    assert moved["SEQUENCE"] > before["SEQUENCE"]
    assert len(events(calendar)) == activity.occurrences.count()


def test_cancelled_date_and_cancelled_activity(client, klokhuis):
    activity = make_activity(organisation=klokhuis, title="Bingo")
    first, second = activity.occurrences.order_by("starts_at")[:2]
    services.cancel_occurrence(occurrence=first, reason="De zaal is bezet.")
    url = reverse("activities:activity_ics", args=[activity.slug])
    found = by_uid(fetch(client, url, lang="en"))
    cancelled = found[f"occurrence-{activity.pk}-{first.original_date:%Y%m%d}@localhost"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]) == "Cancelled: Bingo"
    assert "De zaal is bezet." in str(cancelled["DESCRIPTION"])
    other = found[f"occurrence-{activity.pk}-{second.original_date:%Y%m%d}@localhost"]
    assert str(other["STATUS"]) == "CONFIRMED"

    services.cancel_activity(activity=activity, reason="We stoppen ermee.")
    calendar = fetch(client, reverse("activities:agenda_ics"))
    assert events(calendar)
    assert {str(event["STATUS"]) for event in events(calendar)} == {"CANCELLED"}


def test_a_co_organised_date_is_in_every_feed_once(client, world):
    """Organiser-or-co-organiser follows a many-to-many relation: with two co-organisers of
    the same network a date matched twice. Two VEVENTs with one UID: some calendar
    programs show one of them, others refuse the whole file."""
    partner = OrganisationFactory(name="Zonnebloem", slug="zonnebloem", networks=[world.network])
    together = make_activity(organisation=world.organisation, title="Samen")
    together.co_organisers.add(partner, world.wijkteam)
    expected = sorted(
        f"occurrence-{together.pk}-{day:%Y%m%d}@localhost"
        for day in together.occurrences.values_list("original_date", flat=True)
    )
    ics = reverse("activities:agenda_ics")
    for url, params in (
        (reverse("activities:organisation_ics", args=["klokhuis"]), {}),
        (reverse("activities:organisation_ics", args=["zonnebloem"]), {}),
        (reverse("activities:organisation_ics", args=["wijkteam-beesd"]), {}),
        (reverse("activities:network_ics", args=["beesd"]), {}),
        (reverse("activities:network_ics", args=["beesd"]), {"organisation": "klokhuis"}),
        (ics, {"organisation": "klokhuis", "theme": "meeting"}),
        (ics, {"network": "beesd", "organisation": "zonnebloem"}),
        (ics, {"network": "beesd"}),
    ):
        uids = sorted(str(event["UID"]) for event in events(fetch(client, url, **params)))
        assert uids == expected, (url, params)


def _revision(client, url: str, uid: str) -> tuple[int, datetime, datetime]:
    (event,) = [e for e in events(fetch(client, url)) if str(e["UID"]) == uid]
    return int(event["SEQUENCE"]), event["LAST-MODIFIED"].dt, event["DTSTAMP"].dt


def test_sequence_and_last_modified_rise_with_every_change(
    client, klokhuis, monkeypatch, django_capture_on_commit_callbacks
):
    """Calendar programs take a changed date over only when SEQUENCE rose (and some, like
    ICSx5, only when LAST-MODIFIED grew): moved twice, cancelled, restored, the whole
    activity called off and taking place again, another place for the series."""
    klokhuis.is_trusted = True
    klokhuis.save()
    clock = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    activity = make_activity(organisation=klokhuis, start_date=tomorrow())
    occurrence = activity.occurrences.order_by("starts_at")[1]
    day = occurrence.original_date
    uid = f"occurrence-{activity.pk}-{day:%Y%m%d}@localhost"
    urls = [
        reverse("activities:activity_ics", args=[activity.slug]),
        reverse("activities:organisation_ics", args=[klokhuis.slug]),
        reverse("activities:occurrence_ics", args=[activity.slug, day]),
    ]

    def fresh() -> Occurrence:
        return Occurrence.objects.select_related("activity").get(pk=occurrence.pk)

    steps = [
        lambda: services.change_occurrence(
            occurrence=fresh(), day=day + timedelta(days=1), start_time=time(14), end_time=None
        ),
        lambda: services.change_occurrence(
            occurrence=fresh(), day=day + timedelta(days=1), start_time=time(15), end_time=None
        ),
        lambda: services.cancel_occurrence(occurrence=fresh(), reason="Zaal bezet"),
        lambda: services.restore_occurrence(occurrence=fresh()),
        lambda: services.cancel_activity(activity=Activity.objects.get(pk=activity.pk)),
        lambda: services.restore_activity(activity=Activity.objects.get(pk=activity.pk)),
        lambda: services.update_activity(
            activity=Activity.objects.get(pk=activity.pk), data={"place": PlaceFactory()}
        ),
    ]
    before = {url: _revision(client, url, uid) for url in urls}
    for number, step in enumerate(steps):
        clock[0] += timedelta(minutes=5)
        with django_capture_on_commit_callbacks(execute=True):
            step()
        for url in urls:
            sequence, modified, stamp = _revision(client, url, uid)
            old_sequence, old_modified, _old_stamp = before[url]
            assert sequence > old_sequence, (number, url)
            assert modified > old_modified, (number, url)
            assert stamp == modified
            before[url] = (sequence, modified, stamp)
    assert before[urls[0]][0] == fresh().sequence


def test_calendar_names_are_escaped_text(client, world):
    """A comma, semicolon, backslash or line break in a name must not break the line."""
    world.network.name = "Beesd, Rumpt; Tricht \\ samen\nvoor elkaar"
    world.network.tagline = "Samen; voor elkaar,\nook 's avonds \\ in het weekend"
    world.network.save()
    world.organisation.name = "Het Klokhuis; buurtcentrum,\r\nBeesd"
    world.organisation.save()
    make_activity(organisation=world.organisation, title="Koffie,\nthee; en \\ meer")
    for url, name in (
        (reverse("activities:network_ics", args=["beesd"]), f"Agenda of {world.network.name}"),
        (
            reverse("activities:organisation_ics", args=["klokhuis"]),
            "Agenda of Het Klokhuis; buurtcentrum,\nBeesd",
        ),
    ):
        body = client.get(url, {"lang": "en"}).content
        calendar = vobject.readOne(body.decode())
        assert calendar.contents["x-wr-calname"][0].value == name
        assert calendar.contents["name"][0].value == name
        (event,) = calendar.vevent_list[:1]
        assert event.summary.value == "Koffie,\nthee; en \\ meer"
    body = client.get(reverse("activities:network_ics", args=["beesd"])).content
    calendar = vobject.readOne(body.decode())
    assert calendar.contents["x-wr-caldesc"][0].value.startswith(world.network.tagline)
    assert calendar.contents["description"][0].value.startswith(world.network.tagline)


def test_a_title_with_a_line_break_stays_one_line(client, world, client_for):
    """The editor turns a pasted line break in a one-line field into a space; a title that
    reached the database another way (an import) is still a valid calendar."""
    world.organisation.is_trusted = True
    world.organisation.save()
    editor = client_for("editor")
    from tests.activities.test_editor import create_url, form_data

    response = editor.post(
        create_url(),
        form_data(
            title="Koffie\r\nochtend",
            location_note="Vanaf de kerk,\u2028achterom",
            description="Eerste regel\nTweede regel",
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(organisation=world.organisation)
    assert activity.title == "Koffie ochtend"
    assert activity.location_note == "Vanaf de kerk, achterom"
    assert activity.description == "Eerste regel\nTweede regel"
    Activity.objects.filter(pk=activity.pk).update(title="Koffie\r\nochtend\u2028of\x0bthee")
    client.logout()
    for url in (
        reverse("activities:activity_ics", args=[activity.slug]),
        reverse(
            "activities:occurrence_ics",
            args=[activity.slug, activity.occurrences.first().original_date],
        ),
    ):
        calendar = fetch(client, url)
        assert str(calendar["X-WR-CALNAME"]) == "Koffie\\nochtend\\nofthee"
        assert {str(event["SUMMARY"]) for event in events(calendar)} == {"Koffie\nochtend\nofthee"}


def test_drafts_and_inactive_organisations_never_appear(client, world, client_for):
    klokhuis = world.organisation
    make_activity(organisation=klokhuis, title="Gepubliceerd")
    draft = make_activity(organisation=klokhuis, title="Concept", status=Status.DRAFT)
    make_activity(organisation=klokhuis, title="Ingediend", status=Status.SUBMITTED)
    hidden = OrganisationFactory(is_active=False, networks=[world.network])
    make_activity(organisation=hidden, title="Verborgen")
    for url in (
        reverse("activities:agenda_ics"),
        reverse("activities:network_ics", args=[world.network.slug]),
        reverse("activities:organisation_ics", args=[klokhuis.slug]),
    ):
        names = summaries(fetch(client, url))
        assert "Gepubliceerd" in names
        assert not names & {"Concept", "Ingediend", "Verborgen"}
    occurrence = draft.occurrences.first()
    draft_urls = [
        reverse("activities:activity_ics", args=[draft.slug]),
        reverse("activities:occurrence_ics", args=[draft.slug, occurrence.original_date]),
    ]
    for url in draft_urls:
        assert client.get(url).status_code == 404
    # The editor who works on the draft may take it home; it is never cached publicly.
    editor = client_for("editor")
    response = editor.get(draft_urls[0])
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


# Schedules -------------------------------------------------------------------------------


def test_third_thursday_series(client, klokhuis):
    today = timezone.localdate()
    # The first third Thursday after today.
    day = today + timedelta(days=1)
    while not (day.weekday() == 3 and 15 <= day.day <= 21):
        day += timedelta(days=1)
    activity = make_activity(
        organisation=klokhuis,
        start_date=day,
        frequency=Frequency.MONTHLY_WEEKDAY,
        monthly_ordinal=3,
        count=6,
    )
    calendar = fetch(client, reverse("activities:activity_ics", args=[activity.slug]))
    starts = sorted(event.start for event in events(calendar))
    assert len(starts) == 6
    for start in starts:
        assert start.weekday() == 3 and 15 <= start.day <= 21
        assert (start.hour, start.minute) == (10, 0)
    months = [(s.year, s.month) for s in starts]
    assert len(set(months)) == 6


def test_all_day_dates_use_plain_dates(client, klokhuis):
    activity = make_activity(
        organisation=klokhuis, frequency=Frequency.ONCE, start_time=None, end_time=None
    )
    response = client.get(reverse("activities:activity_ics", args=[activity.slug]))
    (event,) = events(Calendar.from_ical(response.content))
    day = activity.start_date
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.start == day and event.end == day + timedelta(days=1)
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}".encode() in response.content


# Selections ------------------------------------------------------------------------------


def test_organisation_feed_includes_co_organised_activities(client, world):
    klokhuis = world.organisation
    partner = OrganisationFactory(name="Zonnebloem", slug="zonnebloem", networks=[world.network])
    make_activity(organisation=klokhuis, title="Eigen activiteit")
    together = make_activity(organisation=partner, title="Samen georganiseerd")
    together.co_organisers.add(klokhuis)
    make_activity(organisation=partner, title="Alleen de Zonnebloem")
    calendar = fetch(client, reverse("activities:organisation_ics", args=[klokhuis.slug]))
    assert summaries(calendar) == {"Eigen activiteit", "Samen georganiseerd"}
    assert "Het Klokhuis" in str(calendar["X-WR-CALNAME"])
    together_event = next(e for e in events(calendar) if str(e["SUMMARY"]) == "Samen georganiseerd")
    assert "Het Klokhuis" in str(together_event["DESCRIPTION"])


def test_unknown_or_inactive_organisation_and_unknown_network_are_404(client, world):
    inactive = OrganisationFactory(is_active=False)
    assert client.get(reverse("activities:organisation_ics", args=["niemand"])).status_code == 404
    assert (
        client.get(reverse("activities:organisation_ics", args=[inactive.slug])).status_code == 404
    )
    assert client.get(reverse("activities:network_ics", args=["nergens"])).status_code == 404
    activity = make_activity(organisation=world.organisation)
    missing = activity.start_date - timedelta(days=1)
    url = reverse("activities:occurrence_ics", args=[activity.slug, missing])
    assert client.get(url).status_code == 404


def test_network_feed_lists_its_organisations_only(client, world):
    make_activity(organisation=world.organisation, title="In Beesd")
    make_activity(organisation=world.other_organisation, title="Elders")
    calendar = fetch(client, reverse("activities:network_ics", args=[world.network.slug]))
    assert summaries(calendar) == {"In Beesd"}
    calendar = fetch(client, reverse("activities:network_ics", args=[world.other_network.slug]))
    assert summaries(calendar) == {"Elders"}


def test_filters_narrow_the_feed_like_the_agenda(client, world):
    make_activity(organisation=world.organisation, title="Gym", theme=Theme.EXERCISE)
    make_activity(organisation=world.organisation, title="Koffie", theme=Theme.MEETING)
    make_activity(organisation=world.other_organisation, title="Fietsen", theme=Theme.EXERCISE)
    url = reverse("activities:agenda_ics")
    assert summaries(fetch(client, url)) == {"Gym", "Koffie", "Fietsen"}
    assert summaries(fetch(client, url, theme="exercise")) == {"Gym", "Fietsen"}
    assert summaries(fetch(client, url, theme="exercise", network="beesd")) == {"Gym"}
    assert summaries(fetch(client, url, organisation="klokhuis")) == {"Gym", "Koffie"}
    assert summaries(fetch(client, url, q="fiets")) == {"Fietsen"}
    end = tomorrow() + timedelta(days=6)
    calendar = fetch(client, url, start=tomorrow().isoformat(), end=end.isoformat())
    assert len(events(calendar)) == 3  # weekly: one date each in one week
    # A filter on a single theme gives the subscription its name.
    assert "exercise" in str(fetch(client, url, theme="exercise", lang="en")["X-WR-CALNAME"])
    # Values that mean nothing are ignored, never an error.
    assert summaries(fetch(client, url, theme="nonsense", start="gisteren")) == {
        "Gym",
        "Koffie",
        "Fietsen",
    }


def _with_history(activity: Activity) -> None:
    """Dates 10 and 20 days ago, as attendance leaves them."""
    for days_ago in (10, 20):
        day = timezone.localdate() - timedelta(days=days_ago)
        starts_at, ends_at, all_day = services.occurrence_times(activity, day)
        Occurrence.objects.create(
            activity=activity,
            original_date=day,
            starts_at=starts_at,
            ends_at=ends_at,
            all_day=all_day,
        )


def _days(calendar: Calendar) -> set[date]:
    return {event.start.date() for event in events(calendar)}


def test_one_network_organisation_or_activity_holds_everything_stored(client, klokhuis):
    daily = make_activity(
        organisation=klokhuis, frequency=Frequency.DAILY, start_date=tomorrow(), count=100
    )
    _with_history(daily)
    far = make_activity(
        organisation=klokhuis,
        title="Kerstmarkt",
        frequency=Frequency.ONCE,
        start_date=timezone.localdate() + timedelta(days=390),
    )
    today = timezone.localdate()
    ics = reverse("activities:agenda_ics")
    for url, params in (
        (reverse("activities:network_ics", args=["beesd"]), {}),
        (reverse("activities:organisation_ics", args=[klokhuis.slug]), {}),
        (ics, {"network": "beesd"}),
        (ics, {"organisation": "klokhuis", "theme": "meeting"}),
        (ics, {"activity": daily.slug}),
        (reverse("activities:activity_ics", args=[daily.slug]), {}),
    ):
        calendar = fetch(client, url, lang="en", **params)
        days = _days(calendar)
        assert today - timedelta(days=10) in days
        assert today - timedelta(days=20) not in days
        assert all(tomorrow() + timedelta(days=n) in days for n in range(100)), url
        if "activiteiten" not in url and "activity" not in params:
            assert far.start_date in days
        # The calendar says what it holds, so nobody wonders where dates went.
        assert "up to 13 months ahead: everything that is planned" in (
            str(calendar["X-WR-CALDESC"]).replace("\\", "")
        )


def test_a_selection_of_the_whole_region_holds_six_weeks(client, klokhuis, world):
    daily = make_activity(
        organisation=klokhuis, frequency=Frequency.DAILY, start_date=tomorrow(), count=100
    )
    _with_history(daily)
    elsewhere = make_activity(
        organisation=world.other_organisation, title="Elders", frequency=Frequency.DAILY, count=60
    )
    far = make_activity(
        organisation=klokhuis,
        title="Kerstmarkt",
        frequency=Frequency.ONCE,
        start_date=timezone.localdate() + timedelta(days=300),
    )
    today = timezone.localdate()
    url = reverse("activities:agenda_ics")
    for params in ({}, {"theme": "meeting"}, {"free": "on", "network": "nergens"}):
        calendar = fetch(client, url, lang="en", **params)
        days = _days(calendar)
        assert today - timedelta(days=10) in days
        assert today - timedelta(days=20) not in days
        assert today + timedelta(days=42) in days
        assert today + timedelta(days=43) not in days
        assert far.start_date not in days
        assert elsewhere.title in summaries(calendar)
        description = str(calendar["X-WR-CALDESC"]).replace("\\", "")
        assert "from two weeks ago up to 6 weeks ahead" in description
        assert "Choose one network or organisation to get everything that is planned." in (
            description
        )
    # A later first day moves the six weeks along (a month page further ahead links so).
    first = far.start_date - timedelta(days=10)
    calendar = fetch(
        client, url, lang="en", start=first.isoformat(), end=(first + timedelta(days=30))
    )
    assert summaries(calendar) == {"Kerstmarkt"}
    with translation.override("en"):
        assert f"6 weeks from {date_format(first, 'j F Y')}" in str(calendar["X-WR-CALDESC"])
    calendar = fetch(client, url, start=(today + timedelta(days=400)).isoformat())
    assert events(calendar) == []


def test_take_home_text_says_what_the_calendar_holds(client, klokhuis, settings):
    make_activity(organisation=klokhuis)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    agenda = reverse("activities:agenda")
    html = client.get(agenda, {"theme": "meeting"}).content.decode()
    assert "from two weeks ago up to 6 weeks ahead" in html
    html = client.get(agenda, {"network": "beesd"}).content.decode()
    assert "up to 13 months ahead: everything that is planned" in html
    html = client.get(agenda, {"network": "nergens"}).content.decode()  # not understood
    assert "up to 6 weeks ahead" in html


def test_occurrence_feed_is_one_date_to_add(client, klokhuis):
    activity = make_activity(organisation=klokhuis, title="Koffie")
    occurrence = activity.occurrences.order_by("starts_at")[2]
    url = reverse("activities:occurrence_ics", args=[activity.slug, occurrence.original_date])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{activity.slug}-{occurrence.original_date.isoformat()}.ics"'
    )
    calendar = Calendar.from_ical(response.content)
    (event,) = events(calendar)
    assert event.start == timezone.localtime(occurrence.starts_at)
    assert str(event["UID"]).startswith(f"occurrence-{activity.pk}-")
    assert calendar.walk("VTIMEZONE")
    assert "REFRESH-INTERVAL" not in calendar


def test_feeds_run_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    urls = [
        reverse("activities:agenda_ics") + "?theme=meeting&organisation=klokhuis&network=beesd",
        reverse("activities:network_ics", args=[world.network.slug]),
        reverse("activities:organisation_ics", args=[world.organisation.slug]),
    ]
    first = make_activity(organisation=world.organisation, count=2)
    small = {}
    for url in urls:
        with django_assert_max_num_queries(10) as captured:
            assert client.get(url).status_code == 200
        small[url] = len(captured.captured_queries)
    with django_assert_max_num_queries(8) as captured:
        client.get(reverse("activities:activity_ics", args=[first.slug]))
    small_activity = len(captured.captured_queries)

    place = PlaceFactory()
    for n in range(6):
        partner = OrganisationFactory(networks=[world.network])
        activity = make_activity(
            organisation=world.organisation,
            title=f"Activiteit {n}",
            frequency=Frequency.DAILY,
            count=30,
            place=place,
        )
        activity.co_organisers.add(partner, world.wijkteam)
    first.co_organisers.add(world.wijkteam)
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            calendar = fetch(client, url)
        assert len(events(calendar)) >= 180
    with django_assert_max_num_queries(small_activity):
        client.get(reverse("activities:activity_ics", args=[first.slug]))


# News feeds ------------------------------------------------------------------------------


def publish(activity: Activity, minutes_ago: int) -> Activity:
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    Activity.objects.filter(pk=activity.pk).update(published_at=moment)
    activity.refresh_from_db()
    return activity


def test_rss_lists_newly_published_activities(client, world):
    publish(make_activity(organisation=world.organisation, title="Oud"), 60)
    publish(
        make_activity(
            organisation=world.organisation,
            title="Nieuw",
            frequency=Frequency.MONTHLY_WEEKDAY,
            start_date=date(2027, 1, 21),
            monthly_ordinal=3,
        ),
        5,
    )
    make_activity(organisation=world.organisation, title="Concept", status=Status.DRAFT)
    publish(make_activity(organisation=world.other_organisation, title="Elders"), 30)
    response = client.get(reverse("activities:latest_rss"), {"lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Nieuw", "Elders", "Oud"]
    newest = items[0]
    nieuw = Activity.objects.get(title="Nieuw")
    assert newest.findtext("link") == f"http://localhost:8000{nieuw.get_absolute_url()}"
    assert "every third thursday of the month" in newest.findtext("description").lower()
    assert "from Thursday 21 January 2027" in newest.findtext("description")
    assert newest.findtext("pubDate")
    dutch = ET.fromstring(client.get(reverse("activities:latest_rss"), {"lang": "nl"}).content)
    assert "vanaf donderdag 21 januari 2027" in dutch.find("channel/item").findtext("description")

    channel = ET.fromstring(
        client.get(reverse("activities:latest_rss"), {"network": "beesd"}).content
    )
    titles = [i.findtext("title") for i in channel.find("channel").findall("item")]
    assert titles == ["Nieuw", "Oud"]
    assert client.get(reverse("activities:latest_rss"), {"network": "nergens"}).status_code == 404


def test_rss_for_one_organisation_includes_co_organised(client, world):
    partner = OrganisationFactory(networks=[world.network])
    publish(make_activity(organisation=world.organisation, title="Eigen"), 10)
    together = publish(make_activity(organisation=partner, title="Samen"), 5)
    together.co_organisers.add(world.organisation)
    publish(make_activity(organisation=partner, title="Anders"), 1)
    response = client.get(reverse("activities:latest_rss"), {"organisation": "klokhuis"})
    items = ET.fromstring(response.content).find("channel").findall("item")
    assert [item.findtext("title") for item in items] == ["Samen", "Eigen"]


def test_atom_feed(client, world, django_assert_max_num_queries):
    for n in range(3):
        publish(make_activity(organisation=world.organisation, title=f"Activiteit {n}"), n)
    with django_assert_max_num_queries(4) as small:
        response = client.get(reverse("activities:latest_atom"), {"lang": "en"})
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Activiteit 0",
        "Activiteit 1",
        "Activiteit 2",
    ]
    assert "Organised by Het Klokhuis." in entries[0].findtext(f"{ATOM}summary")
    for n in range(3, 60):
        publish(make_activity(organisation=world.organisation, title=f"Activiteit {n}"), n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("activities:latest_atom"))
    assert len(ET.fromstring(response.content).findall(f"{ATOM}entry")) == 50


def test_text_survives_escaping_and_folding(client, world, settings):
    settings.SITE_URL = "https://omzien.example"
    organisation = OrganisationFactory(name='Stichting "De Brug"; Beesd, Gelderland')
    title = "Koffie, thee; en \\ meer 🎉"
    description = (
        "Eerste regel\nTweede regel, met café-crème; " + "één twee drie " * 30 + "\r\nEind"
    )
    activity = make_activity(
        organisation=organisation, title=title, description=description, frequency=Frequency.ONCE
    )
    response = client.get(reverse("activities:activity_ics", args=[activity.slug]))
    for line in response.content.split(b"\r\n"):
        assert len(line) <= 75
        line.decode()  # a fold never splits a character
    (event,) = events(Calendar.from_ical(response.content))
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]).startswith(description.replace("\r\n", "\n"))
    assert str(event["ORGANIZER"].params["CN"]) == "Stichting 'De Brug'; Beesd, Gelderland"
    assert str(event["ORGANIZER"]) == f"https://omzien.example/organisaties/{organisation.slug}/"


@pytest.mark.parametrize("value", ["beesd\x00", "\x00", "bees\nd", "klok huis", "x" * 100_000])
def test_news_feed_for_what_is_not_a_slug_is_a_404(client, world, value):
    """PostgreSQL refuses a NUL byte in a query: such a value must not reach one."""
    for name in ("activities:latest_rss", "activities:latest_atom"):
        for key in ("network", "organisation"):
            assert client.get(reverse(name), {key: value}).status_code == 404, (name, key)
