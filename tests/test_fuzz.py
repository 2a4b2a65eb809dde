"""Nothing anyone sends makes the site answer with a server error.

Every URL pattern of the site, read from the URLconf (so a page added later is fuzzed too),
with the objects of a small world so that detail addresses exist, as anonymous and as every
role: GET with each query parameter the site knows (and some it does not) set to NUL bytes,
line breaks, 100 KB, right-to-left text, emoji, combining marks, lone surrogates and
broken UTF-8 as percent-escapes, numbers too large for any column, and repeated keys; then
POST every form on the page with the same values in every field. Each answer must be
below 500, and where a POST was accepted, the page it leads to as well.

Deterministic (fixed values, fixed order) and one test per URL pattern. SQLite and
PostgreSQL differ here: PostgreSQL refuses NUL in a query and integers past 64 bits, so
run it on both (CI does).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from types import MappingProxyType
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone

from activities.models import CalendarFeed, Registration, RegistrationStatus, Status
from attendance.models import Absence, CheckIn, Signal
from network.models import Membership
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.attendance.factories import ParticipantFactory, date_of, keep_attendance
from tests.conftest import ROLE_NAMES
from tests.volunteers.factories import (
    CertificateFactory,
    HelpRequestFactory,
    ShiftFactory,
    SignUpFactory,
    TaskFactory,
    VolunteerProfileFactory,
)
from volunteers.models import VolunteerApplication

ROLES = [*ROLE_NAMES, "outsider"]

#: What goes into every parameter and field. Percent-escaped values are sent as they are
#: (a lone surrogate or broken UTF-8 cannot be a Python string on the wire).
VALUES: dict[str, str] = {
    "nul": "a\x00b",
    "crlf": "x\r\nSet-Cookie: fuzz=1\r\n",
    "huge": "A" * 100_000,
    "rtl": "\u202egnp.exe\u202c مرحبا",
    "emoji": "🎉👩‍👩‍👧‍👦🏳️‍🌈",
    "combining": "e\u0301\u0302\u0303\u0304\u0305",
    "negative": "-1",
    "impossible-date": "2026-02-31",
    "markup": "<script>alert(1)</script>'\"--;",
    "empty": "",
}
if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An id past 64 bits: PostgreSQL compares it and finds nothing. SQLite, the development
    # database, cannot even hold it in a query (OverflowError): not fuzzed there.
    VALUES["big-number"] = "99999999999999999999999"
RAW_VALUES: dict[str, str] = {
    "lone-surrogate": "%ED%A0%80",
    "broken-utf8": "%FF%FE%C3",
    "half-escape": "%E2%8",
}
#: The values that break most.
WORST = ("nul", "huge", "crlf", "lone-surrogate")
#: What each parameter also gets on its own (the first role that sees the page), so that
#: one refused value cannot hide another.
ALONE = ("nul",)

#: Query parameters the site reads (agenda filters and display options, the views'
#: own), besides those found on the page itself; and some it never reads.
KNOWN_PARAMS = [
    *("q", "when", "start", "end", "theme", "network", "organisation", "area", "place"),
    *("target_group", "free", "wheelchair", "activity", "page", "lang", "limit"),
    *("theme_style", "week", "month", "date", "room", "groot", "role", "confirm"),
    *("existing", "next", "o", "p", "e", "_changelist_filters", "_popup", "_to_field"),
    "signal",
    *("jaar", "deel", "vergelijk"),
    # The access log of referrals (its CSV download has no form to read them from).
    *("person", "referral", "action"),
    *("deelnemer", "signaal", "langsgaan"),
]
UNKNOWN_PARAMS = ["utm_source", "fuzz", "__proto__", "a[]"]
#: Fields a POST-only address gets (it has no page of its own to read a form from).
POST_FIELDS = [
    *("next", "language", "action", "reason", "restore", "decision", "comment", "name"),
    *("email", "phone", "party_size", "confirm", "login", "password", "code"),
    *("participant", "present", "head_count", "follow_up", "starts_on", "ends_on"),
]


# The URL patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None
    converters: dict[str, str]
    groups: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.name or self.route


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[Pattern]:
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            found.extend(_patterns(entry, route, inner))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            converters = {
                key: type(value).__name__
                for key, value in getattr(entry.pattern, "converters", {}).items()
            }
            groups = tuple(entry.pattern.regex.groupindex)
            found.append(Pattern(route, name, converters, groups))
    return found


PATTERNS = _patterns(get_resolver())
#: Where the roles of the site make no difference: only anonymous and the superuser.
ADMIN_PREFIX = "django-admin/"


def _referrals(world) -> dict:
    """A referral from the coordinator's organisation to the wijkteam: what /verwijzingen/
    addresses point at (see _kwargs)."""
    from tests.referrals.conftest import with_second_step
    from tests.referrals.factories import send

    with_second_step(world)
    participant = ParticipantFactory(organisation=world.organisation)
    return {
        "referral": send(world, participant=participant).pk,
        "organisation": world.organisation.slug,
        "participant": participant.pk,
    }


# A small world ---------------------------------------------------------------------------


@dataclass
class Objects:
    world: object
    activity: object
    occurrence: object
    submitted: object
    registration: object
    feed: object
    membership: object
    place: object
    volunteering: dict = field(default_factory=dict)
    attendance: dict = field(default_factory=dict)
    referrals: dict = field(default_factory=dict)


def _volunteering(world, activity) -> dict:
    """A task of the organisation with a shift the volunteer signed up for, a help request,
    an application and a profile: what /vrijwilligers/ addresses point at (see _kwargs)."""
    volunteer = world.users["volunteer"]
    task = TaskFactory(organisation=world.organisation, activity=None)
    shift = ShiftFactory(task=task)
    signup = SignUpFactory(shift=shift, volunteer=volunteer)
    profile = VolunteerProfileFactory(user=volunteer)
    return {
        "task": task.pk,
        "shift": shift.pk,
        "signup": signup.pk,
        "help_request": HelpRequestFactory(organisation=world.organisation).pk,
        "application": VolunteerApplication.objects.create(
            user=world.users["resident"], organisation=world.organisation
        ).pk,
        "token": profile.feed_token,
        "year": shift.starts_at.year,
        "day": shift.original_date,
        "user": volunteer.pk,
        "certificate": CertificateFactory(user=volunteer).pk,
        "organisation": world.organisation.slug,
        "slug": world.organisation.slug,
    }


def _attendance(world, occurrence) -> dict:
    """A participant with an absence and a request to drop by, and a date to take attendance
    for: what /deelnemers/, /presentie/ and /langsgaan/ addresses point at (see _kwargs)."""
    keep_attendance(world.organisation)
    participant = ParticipantFactory(organisation=world.organisation)
    absence = Absence.objects.create(
        participant=participant, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 12)
    )
    check_in = CheckIn.objects.create(
        organisation=world.organisation,
        participant=participant,
        asked_by=world.users["coordinator"],
        volunteer=world.users["volunteer"],
        what_is_asked="Even langsgaan",
        due_on=date(2026, 3, 12),
    )
    return {
        "organisation": world.organisation.slug,
        "participant": participant.pk,
        "absence": absence.pk,
        "occurrence": date_of(occurrence.activity).pk,
        "check_in": check_in.pk,
        "signal": Signal.objects.create(
            participant=participant,
            last_seen=date(2026, 2, 1),
            missed=3,
            usual_gap=1,
            raised_at=timezone.now(),
        ).pk,
    }


@pytest.fixture
def objects(world) -> Objects:
    world.organisation.is_trusted = True
    world.organisation.save()
    place = PlaceFactory(municipality=world.municipality, slug="brink")
    room = RoomFactory(place=place)
    activity = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        place=place,
        room=room,
        registration_required=True,
        capacity=5,
        location_note="Achteringang",
    )
    activity.co_organisers.add(world.wijkteam)
    occurrence = activity.occurrences.order_by("starts_at").first()
    registration = Registration.objects.create(
        occurrence=occurrence,
        name="Piet",
        email="piet@example.org",
        status=RegistrationStatus.CONFIRMED,
    )
    submitted = make_activity(
        organisation=world.organisation, title="Ingediend", status=Status.SUBMITTED
    )
    feed = CalendarFeed.objects.create(
        organisation=world.organisation, url="https://agenda.example.org/agenda.ics"
    )
    membership = Membership.objects.filter(organisation=world.organisation).first()
    return Objects(
        world,
        activity,
        occurrence,
        submitted,
        registration,
        feed,
        membership,
        place,
        _volunteering(world, activity),
        _attendance(world, occurrence),
        _referrals(world),
    )


def _admin_object_id(route: str) -> str:
    """The first object of the model an admin address is about."""
    parts = route.removeprefix(ADMIN_PREFIX).split("/")
    try:
        model = apps.get_model(parts[0], parts[1])
    except (LookupError, IndexError):
        return "1"
    first = model._default_manager.order_by("pk").first()
    return str(first.pk) if first else "1"


def _kwargs(pattern: Pattern, objects: Objects) -> dict[str, object]:
    """Arguments that make the address point at an object of the small world."""
    first = pattern.route.split("/")[0]
    world = objects.world
    values: dict[str, object] = {}
    for name in (*pattern.converters, *(g for g in pattern.groups if g not in pattern.converters)):
        if first == "verwijzingen":
            # Referral addresses: <int:referral>, <slug:organisation>, <int:participant>.
            values[name] = objects.referrals.get(name, "abc123")
        elif first in ("deelnemers", "presentie", "langsgaan"):
            # Attendance addresses: <slug:organisation>, <int:participant>, <int:absence>,
            # <int:occurrence>, <int:check_in>, <int:signal>.
            values[name] = objects.attendance.get(name, "abc123")
        elif first == "overzichten":
            # Overviews: <slug:municipality>, <slug:slug> (a network or an organisation),
            # <slug:table>.
            values[name] = {
                "municipality": world.municipality.slug,
                "slug": world.network.slug
                if "netwerken" in pattern.route
                else world.organisation.slug,
                "table": "kerncijfers",
            }.get(name, "abc123")
        elif first == "vrijwilligers":
            # Volunteering addresses name what they point at: <int:task>, <int:shift>,
            # <int:signup>, <int:help_request>, <int:application>, <str:token>, <int:year>,
            # <day:day>, <int:user>, <slug:organisation>.
            values[name] = objects.volunteering.get(name, "abc123")
        elif name == "slug":
            values[name] = {
                "activiteiten": objects.activity.slug,
                "netwerken": world.network.slug,
                "beheer": world.network.slug,
                "organisaties": world.organisation.slug,
            }.get(first, objects.activity.slug)
        elif name == "activity":
            values[name] = objects.submitted.slug
        elif name == "place":
            values[name] = objects.place.slug
        elif name == "organisation":
            values[name] = world.organisation.slug
        elif name == "day":
            values[name] = objects.occurrence.original_date
        elif name == "token":
            values[name] = objects.registration.token
        elif name == "pk":
            values[name] = (
                objects.feed.pk if "agenda-koppelen" in pattern.route else objects.membership.pk
            )
        elif name == "object_id" or name == "id":
            values[name] = _admin_object_id(pattern.route)
        elif name == "content_type_id":
            values[name] = "1"
        elif name == "app_label":
            values[name] = "network"
        elif name == "url":
            values[name] = "fuzz/"
        else:  # key, uidb36, ...: a value of the right shape that means nothing
            values[name] = "abc123"
    return values


def _url(pattern: Pattern, objects: Objects) -> str:
    kwargs = _kwargs(pattern, objects)
    if pattern.name:
        return reverse(pattern.name, kwargs=kwargs)
    if pattern.groups and not pattern.converters:  # an unnamed regex: the admin's catch-all
        return "/" + pattern.route.split("(")[0].lstrip("^") + "fuzz/"

    def fill(match: re.Match) -> str:
        value = kwargs[match[2]]
        return value.isoformat() if isinstance(value, date) else str(value)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, pattern.route)


# Reading a page's forms and links ------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(attributes.get("method", "get").lower(), attributes.get("action", ""))
            self.forms.append(self._form)
        elif tag == "a" and "?" in attributes.get("href", ""):
            self.links.append(attributes["href"])
        elif tag in ("input", "select", "textarea", "button") and self._form is not None:
            name = attributes.get("name")
            if not name:
                return
            kind = attributes.get("type", "")
            button = tag == "button" or kind == "submit"
            target = self._form.buttons if button else self._form.fields
            target.setdefault(name, []).append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _read(response) -> _Page:
    page = _Page()
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        page.feed(response.content.decode(errors="replace"))
    return page


def _same_pattern(address: str, path: str) -> bool:
    """Whether a form's action leads to the page's own view (an empty action does)."""
    target = urlsplit(address).path or path
    try:
        return resolve(target).route == resolve(path).route
    except Resolver404:
        return False


# Sending -----------------------------------------------------------------------------------


def _encoded(value_name: str, share: int = 1) -> str:
    """The value as it goes on the wire. `share`: how many fields of a POST get it, so that
    the body stays below Django's 2.5 MB limit and the form is read, not refused (a query
    string has no such limit: every parameter gets the whole 100 KB)."""
    if value_name in RAW_VALUES:
        return RAW_VALUES[value_name]
    value = VALUES[value_name]
    if value_name == "huge" and share > 20:
        value = value[: 2_000_000 // share]
    return quote(value, safe="")


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(name, safe='')}={encoded}" for name, encoded in pairs)


@dataclass
class Fuzzer:
    client: object
    failures: list[str] = field(default_factory=list)

    def check(self, response, what: str) -> None:
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}")

    def get(self, path: str, pairs: list[tuple[str, str]], what: str):
        response = self.client.get(f"{path}?{_query(pairs)}" if pairs else path)
        self.check(response, f"GET {path} {what}")
        return response

    def post(self, path: str, pairs: list[tuple[str, str]], what: str) -> None:
        response = self.client.post(
            path, data=_query(pairs), content_type="application/x-www-form-urlencoded"
        )
        self.check(response, f"POST {path} {what}")
        location = response.get("Location", "") if response.status_code in (301, 302) else ""
        if location.startswith("/") and len(location) < 2_000:
            # Accepted: the page it leads to must work too.
            self.check(self.client.get(location), f"GET {location} after POST {path} {what}")


def _params(page: _Page, path: str) -> list[str]:
    """The known parameters, those the page's own links and GET forms use, and unknown."""
    names = set(KNOWN_PARAMS) | set(UNKNOWN_PARAMS)
    for form in page.forms:
        if form.method == "get":
            names |= set(form.fields)
    for link in page.links:
        parts = urlsplit(link)
        if parts.path in ("", path):
            names |= {pair.split("=")[0] for pair in parts.query.split("&") if pair}
    return sorted(names)


NONE: Mapping[str, str] = MappingProxyType({})

#: How hard an answer is fuzzed: every value for each answer that looks new (another
#: status, other forms); the worst values for an answer that turns the visitor away (a
#: redirect to log in, a 404) or costs a PDF; NUL only for a role that sees what another
#: role saw. The admin is Django's own: the worst values for the superuser, NUL for
#: anyone else (who gets its login page).
FULL, WORST_ONLY, LIGHT = "full", "worst", "light"


def _values(level: str) -> list[str]:
    if level == FULL:
        return [*VALUES, *RAW_VALUES]
    return list(WORST) if level == WORST_ONLY else ["nul"]


def _fuzz_gets(
    fuzzer: Fuzzer, path: str, role: str, params: list[str], level: str, base: Mapping = NONE
) -> None:
    """All parameters at once (those in `base` keep their sensible value)."""
    kept = [(name, quote(value, safe="")) for name, value in base.items()]
    params = [name for name in params if name not in base]
    for value_name in _values(level):
        encoded = _encoded(value_name)
        pairs = [*kept, *((name, encoded) for name in params)]
        fuzzer.get(path, pairs, f"as {role} {base}: all={value_name}")
    if level != LIGHT:
        # Every parameter twice: a sensible value first, then nonsense.
        repeated = [pair for name in params for pair in ((name, "1"), (name, _encoded("nul")))]
        fuzzer.get(path, [*kept, *repeated], f"as {role} {base}: repeated keys")


def _fuzz_alone(
    fuzzer: Fuzzer, path: str, role: str, params: list[str], base: Mapping = NONE
) -> None:
    """Each parameter on its own, so that one refused value cannot hide another."""
    for name in params:
        kept = [(key, quote(value, safe="")) for key, value in base.items() if key != name]
        for value_name in ALONE:
            pairs = [*kept, (name, _encoded(value_name))]
            fuzzer.get(path, pairs, f"as {role} {base}: {name}={value_name}")


def _contexts(pattern: Pattern, objects: Objects) -> list[dict[str, str]]:
    """Parameters some addresses need before they read the others: the htmx parts of the
    activity forms are told whose activity it is. Fuzzed on top of these as an editor."""
    organisation = {"organisation": objects.world.organisation.slug}
    activity = {"activity": objects.activity.slug}
    place = {"place": str(objects.place.pk)}
    return {
        "activities:room_choices": [
            {**organisation, **place},
            {**activity, **place, "date": "1"},
        ],
        "activities:schedule_preview": [
            {**organisation, "frequency": "weekly", "start_date": "2030-01-07"},
            {**activity, "existing": "1", "frequency": "monthly_weekday"},
        ],
    }.get(pattern.name, [])


def _fuzz_form(fuzzer: Fuzzer, action: str, form: Form, role: str, level: str) -> None:
    names = sorted({*form.fields, *form.buttons})
    for value_name in _values(level):
        encoded = _encoded(value_name, len(names))
        fuzzer.post(action, [(name, encoded) for name in names], f"as {role}: all={value_name}")
    # The form's own buttons as they are (they choose the branch), everything else nonsense.
    for button, values in sorted(form.buttons.items()):
        for value in sorted(set(values)):
            for value_name in WORST if level == FULL else ["nul"]:
                encoded = _encoded(value_name, len(names))
                pairs = [(name, encoded) for name in sorted(form.fields)]
                pairs.append((button, quote(value, safe="")))
                fuzzer.post(action, pairs, f"as {role}: {button}={value}, rest={value_name}")
    repeated = [pair for name in names for pair in ((name, "1"), (name, _encoded("nul")))]
    fuzzer.post(action, repeated, f"as {role}: repeated keys")


def _post_forms(page: _Page, path: str, status: int) -> list[Form]:
    """The forms of the page that post to the page's own view; for an address that only
    takes a POST (405 to a GET), the fields such addresses read."""
    if status == 405:
        return [Form("post", path, {name: [""] for name in POST_FIELDS})]
    return [
        form for form in page.forms if form.method == "post" and _same_pattern(form.action, path)
    ]


@pytest.mark.allow_error_logs  # Django's own refusals (below) log an error; checked there
@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.id for p in PATTERNS])
def test_no_server_error_whatever_is_sent(pattern, objects, client_for, caplog):
    path = _url(pattern, objects)
    admin = pattern.route.startswith(ADMIN_PREFIX)
    fuzzer = Fuzzer(client_for("anonymous"))
    alone_done = False
    reached = []
    seen: set[tuple] = set()
    for role in ["anonymous", "superuser"] if admin else ROLES:
        fuzzer.client = client_for(role)
        fuzzer.client.raise_request_exception = False
        plain = fuzzer.get(path, [], f"as {role}")
        if plain.status_code != 404:
            reached.append(role)
        page = _read(plain)
        params = _params(page, path)
        forms = _post_forms(page, path, plain.status_code)
        looks = (plain.status_code, tuple(sorted(tuple(sorted(f.fields)) for f in forms)))
        pdf = plain.get("Content-Type", "").startswith("application/pdf")
        if admin and role == "anonymous":
            level = LIGHT  # the admin's login page, whatever was asked
        elif admin or (looks not in seen and (pdf or plain.status_code not in (200, 405))):
            level = WORST_ONLY
        else:
            level = LIGHT if looks in seen else FULL
        seen.add(looks)
        _fuzz_gets(fuzzer, path, role, params, level)
        if plain.status_code == 200 and not (alone_done or admin or pdf):
            _fuzz_alone(fuzzer, path, role, params)
            alone_done = True
        if level != LIGHT:
            for form in forms:
                _fuzz_form(fuzzer, urlsplit(form.action).path or path, form, role, level)
    for base in _contexts(pattern, objects):
        fuzzer.client = client_for("editor")
        fuzzer.client.raise_request_exception = False
        assert fuzzer.get(path, list(base.items()), f"{base}").status_code == 200, base
        params = sorted({*KNOWN_PARAMS, *UNKNOWN_PARAMS, *base})
        _fuzz_gets(fuzzer, path, "editor", params, FULL, base)
        _fuzz_alone(fuzzer, path, "editor", params, base)
    assert fuzzer.failures == [], "\n".join(fuzzer.failures[:50])
    # Django refuses a redirect to log in whose address (with the query string in `next`)
    # is too long: a 400 it logs as an error of django.security. Nothing else may log one.
    logged = {r.name for r in caplog.get_records("call") if r.levelno >= logging.ERROR}
    assert all(name.startswith("django.security.") for name in logged), logged
    if not admin and pattern.converters:
        # The world has what the address points at: some role gets past "not found".
        assert reached, f"{path}: 404 for every role"


def test_every_pattern_of_the_site_is_fuzzed():
    """The fuzz test reads the URLconf itself: our pages and those of the packages."""
    routes = {pattern.route for pattern in PATTERNS}
    assert "agenda.ics" in routes
    assert "activiteiten/<slug:slug>/bewerken/" in routes
    assert any(route.startswith("account/") for route in routes)
    assert any(route.startswith(ADMIN_PREFIX) for route in routes)


REGION_PAGES = ["agenda", "agenda_ics", "embed_agenda"]


@pytest.mark.parametrize("name", [f"activities:{name}" for name in REGION_PAGES])
def test_agenda_filters_of_a_region_look_up_only_what_has_the_form(
    name, objects, client, monkeypatch
):
    """In a region (many organisations) the filter form offers the chosen network's
    organisations, places and areas only, and looks the sent values up for that: the
    small world stands in for a region here."""
    from activities.filters import OccurrenceFilter

    monkeypatch.setattr(OccurrenceFilter, "MAX_CHOICES", 0)
    client.raise_request_exception = False
    fuzzer = Fuzzer(client)
    path = reverse(name)
    chosen = ["network", "organisation", "place", "area"]
    for value_name in [*WORST, "markup"]:
        encoded = _encoded(value_name)
        fuzzer.get(path, [(key, encoded) for key in chosen], f"all={value_name}")
        for key in chosen:
            fuzzer.get(path, [(key, encoded)], f"{key}={value_name}")
    assert fuzzer.failures == [], "\n".join(fuzzer.failures[:50])
    # The narrowing is in force: a known network's own organisations are on offer.
    html = client.get(reverse("activities:agenda"), {"network": "beesd"}).content.decode()
    assert 'value="klokhuis"' in html and 'value="club-elders"' not in html
