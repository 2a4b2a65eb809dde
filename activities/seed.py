"""The agenda of the reference data sets: places, activities and their stored dates.

`village`: the places of Beesd (het Klokhuis with its "Grote zaal", "Kleine zaal" and
"Keuken", the church, the sports hall, the library, the care home, ...) and about sixty
activities written out by hand, in the tone of the network itself: "we do nice things
together, will you come?". Beesd ontmoet elkaar every third Thursday, gym for older
residents, bingo, the bike ride from het Klokhuis, trips with the village bus.

`region`: on top of that about 5,000 recurring activities spread over the other networks,
with two years of history, so attendance (a later step) can hang on past dates.

Why it is built this way: dates are relative to today (`seed_today`), so a fresh database
always has a past and a future, and deterministic for a given seed and today. Dates are
computed with recurrence.expand, exactly as the site computes them, and written with
bulk_create in batches of 5,000 (never create_activity per activity, which would take an
hour at region scale); memory stays bounded because a batch is written as soon as it is
full.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from network import seed as seeding
from network.models import Area, Network, Organisation
from network.seed import SeedContext, register_flush, register_step
from network.shared import unique_slug

from . import recurrence, services
from .models import (
    Activity,
    CalendarFeed,
    Frequency,
    Occurrence,
    Place,
    Registration,
    Room,
    Status,
    TargetGroup,
    Theme,
)

#: Occurrence rows per INSERT batch (Django lowers it where SQLite allows fewer parameters).
OCCURRENCE_BATCH = 5000
#: How far back the stored dates go: one year in the village, two in the region (SPEC.md).
VILLAGE_HISTORY_DAYS = 365
#: The summer holidays of a series that takes a break (month, day) to (month, day).
SUMMER_BREAK = ((7, 6), (8, 16))
REGION_HISTORY_DAYS = 730
#: Recurring activities at region scale, the village's included (SPEC.md "Scale").
REGION_ACTIVITIES = 5000
#: One-off activities the region adds besides (concerts, outings, a quiz).
REGION_ONE_OFFS = 400

seeding.SINGULAR.update(
    places="place", rooms="room", activities="activity", dates="date", feeds="feed"
)

Kind = Organisation.Kind
F = Frequency
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def seed_today() -> date:
    """The day the data set is built around (tests replace it to pin the dates)."""
    return timezone.localdate()


# --- the step and the flush ----------------------------------------------------------------


@register_step
def seed_agenda(ctx: SeedContext) -> None:
    """Places, activities and their dates for the village, and at region scale the rest."""
    today = ctx.shared.setdefault("today", seed_today())
    before = Occurrence.objects.count()
    _trust_home_organisations(ctx)
    places = _seed_home_places(ctx)
    activities = _seed_home_activities(ctx, places, today)
    dates = _store_occurrences(activities, today, ctx.rng, cancel_share=0.0)
    _home_single_date_changes(ctx, places, today)
    if ctx.scale == "region":
        dates += _seed_region(ctx, today)
    _set_home_networks()
    services.refresh_next_dates()
    ctx.counts.update(
        places=Place.objects.count(),
        rooms=Room.objects.count(),
        activities=Activity.objects.count(),
        dates=Occurrence.objects.count() - before,
    )
    ctx.log(f"Agenda: {ctx.counts['activities']} activities, {dates} dates.")


def _set_home_networks() -> None:
    """Where each activity's figures count, as services.create_activity sets it: the
    network its organisation joined first (docs/architecture.md, "Attribution of
    figures"). One UPDATE, since the seed writes activities in bulk."""
    first = (
        Organisation.networks.through.objects.filter(
            organisation_id=models.OuterRef("organisation_id")
        )
        .order_by("pk")
        .values("network_id")[:1]
    )
    Activity.objects.filter(home_network__isnull=True).update(
        home_network_id=models.Subquery(first)
    )


@register_flush
def flush_agenda() -> None:
    """Delete the agenda before the organisations and municipalities it protects."""
    Registration.objects.all().delete()
    _delete_all_occurrences()
    Activity.co_organisers.through.objects.all().delete()
    Activity.objects.update(possible_duplicate_of=None)
    Activity.objects.all().delete()
    CalendarFeed.objects.all().delete()
    Room.objects.all().delete()
    Place.objects.all().delete()


def _delete_all_occurrences() -> None:
    """All dates in one statement when nothing hangs on them any more (other apps' flush
    hooks run before this one); otherwise through the ORM, so it cascades as it should.

    The ORM would first load every date into memory (about 600,000 at region scale) just
    to find what hangs on them; with nothing hanging on them that is half a minute wasted.
    """
    dependents = [
        relation.related_model
        for relation in Occurrence._meta.related_objects
        if relation.on_delete is not models.DO_NOTHING
    ]
    if any(model._base_manager.exists() for model in dependents):
        ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 200):
            Occurrence.objects.filter(activity_id__in=ids[start : start + 200]).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Occurrence._meta.db_table)}")


# --- shared helpers ---------------------------------------------------------------------------


def _first_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _first_monthly(since: date, weekday: int, ordinal: int) -> date:
    """The first "ordinal-th weekday of the month" on or after `since`."""
    year, month = since.year, since.month
    while True:
        day = recurrence.nth_weekday(year, month, weekday, ordinal)
        if day is not None and day >= since:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _first_day_of_month(since: date, day_of_month: int) -> date:
    day = since.replace(day=day_of_month)
    if day < since:
        day = (since.replace(day=1) + timedelta(days=32)).replace(day=day_of_month)
    return day


def _holiday_dates(schedule: recurrence.Schedule, end: date) -> list[str]:
    """Dates between Christmas Eve and New Year's Day: most clubs take a break."""
    return [
        day.isoformat()
        for day in recurrence.expand(schedule, end=end)
        if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
    ]


def last_summer_break(today: date) -> tuple[date, date]:
    """The six weeks of the last summer holidays before `today` (SUMMER_BREAK)."""
    year = today.year if today > date(today.year, *SUMMER_BREAK[1]) else today.year - 1
    return date(year, *SUMMER_BREAK[0]), date(year, *SUMMER_BREAK[1])


def _summer_break_dates(schedule: recurrence.Schedule, today: date) -> list[str]:
    """Last summer's break: the series had no dates then (attendance's seed counts on it)."""
    start, end = last_summer_break(today)
    return [day.isoformat() for day in recurrence.expand(schedule, end=end) if day >= start]


def _published_at(start: date, today: date, rng: random.Random) -> datetime:
    day = min(start, today) - timedelta(days=rng.randint(3, 30))
    return timezone.make_aware(datetime.combine(day, time(9, rng.randint(0, 59))))


def _store_occurrences(
    activities: Iterable[Activity],
    today: date,
    rng: random.Random,
    *,
    cancel_share: float,
    reasons: tuple[str, ...] = (),
) -> int:
    """Write every date of the activities from their first date up to the horizon.

    The same computation as services.materialise_occurrences (recurrence.expand and
    services.occurrence_times), set-based: rows go out in batches of OCCURRENCE_BATCH.
    A share of the coming dates is cancelled on its own, as editors do.
    """
    end = services.horizon_end(today)
    batch: list[Occurrence] = []
    written = 0
    for activity in activities:
        for day in recurrence.expand(recurrence.Schedule.of(activity), end=end):
            starts_at, ends_at, all_day = services.occurrence_times(activity, day)
            occurrence = Occurrence(
                activity_id=activity.pk,
                original_date=day,
                starts_at=starts_at,
                ends_at=ends_at,
                all_day=all_day,
            )
            if cancel_share and day > today and rng.random() < cancel_share:
                occurrence.is_cancelled = occurrence.is_detached = True
                occurrence.cancel_reason = rng.choice(reasons)
            batch.append(occurrence)
            if len(batch) >= OCCURRENCE_BATCH:
                written += len(Occurrence.objects.bulk_create(batch, batch_size=OCCURRENCE_BATCH))
                batch = []
    if batch:
        written += len(Occurrence.objects.bulk_create(batch, batch_size=OCCURRENCE_BATCH))
    return written


# --- the village: places ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceSpec:
    key: str
    name: str
    address: str
    village: str
    rooms: tuple[str, ...]
    wheelchair: bool = True
    hearing_loop: bool = False
    toilet: bool = True
    latitude: str | None = None
    longitude: str | None = None


HOME_PLACES = (
    PlaceSpec("klokhuis", "Buurtcentrum het Klokhuis", "Kerkstraat 26", "Beesd",
              ("Grote zaal", "Kleine zaal", "Keuken"), hearing_loop=True,
              latitude="51.887410", longitude="5.192580"),
    PlaceSpec("church", "Dorpskerk Beesd", "Kerkplein 1", "Beesd",
              ("Kerkzaal", "Consistoriekamer"), hearing_loop=True, toilet=False,
              latitude="51.888010", longitude="5.191870"),
    PlaceSpec("sporthal", "Sporthal De Lingeborg", "Sportlaan 4", "Beesd",
              ("Zaal 1", "Zaal 2"), latitude="51.883950", longitude="5.197320"),
    PlaceSpec("library", "Bibliotheek Beesd", "Dorpsstraat 12", "Beesd",
              ("Leeszaal", "Digicafé")),
    PlaceSpec("care_home", "Zorgcentrum De Lingehof", "Lingedijk 40", "Beesd",
              ("Restaurant", "Activiteitenruimte", "Tuinkamer"), hearing_loop=True,
              latitude="51.889260", longitude="5.194410"),
    PlaceSpec("sportpark", "Sportpark Beesd", "Achterweg 7", "Beesd",
              ("Kantine",), toilet=True),
    PlaceSpec("rumpt", "Dorpshuis Rumpt", "Molenweg 2", "Rumpt",
              ("Zaal", "Biljartkamer"), hearing_loop=False),
    PlaceSpec("gellicum", "Dorpshuis Gellicum", "Middelweg 9", "Gellicum",
              ("Zaal",), toilet=False),
    PlaceSpec("rhenoy", "Kantine IJsvereniging Rhenoy", "Zandweg 3", "Rhenoy",
              ("Kantine",), wheelchair=False, toilet=False),
)  # fmt: skip


def _seed_home_places(ctx: SeedContext) -> dict[str, Place]:
    municipality = ctx.home_network.municipality
    areas = {area.name: area for area in ctx.areas if area.municipality_id == municipality.pk}
    slugs = set(Place.objects.values_list("slug", flat=True))
    places = Place.objects.bulk_create(
        [
            Place(
                name=spec.name,
                slug=unique_slug(Place, spec.name, fallback="plaats", max_length=140, taken=slugs),
                address=spec.address,
                postcode=seeding.HOME_VILLAGES[spec.village] + " " + _letters(spec.key),
                town=spec.village,
                area=areas.get(spec.village),
                municipality=municipality,
                wheelchair_accessible=spec.wheelchair,
                hearing_loop=spec.hearing_loop,
                accessible_toilet=spec.toilet,
                latitude=Decimal(spec.latitude) if spec.latitude else None,
                longitude=Decimal(spec.longitude) if spec.longitude else None,
            )
            for spec in HOME_PLACES
        ]
    )
    Room.objects.bulk_create(
        [
            Room(place=place, name=name)
            for place, spec in zip(places, HOME_PLACES, strict=True)
            for name in spec.rooms
        ]
    )
    by_key = dict(zip((spec.key for spec in HOME_PLACES), places, strict=True))
    ctx.shared["home_places"] = by_key
    return by_key


def _letters(key: str) -> str:
    """Two postcode letters that depend on the place only."""
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    number = sum(ord(c) for c in key)
    return letters[number % 20] + letters[(number // 20) % 20]


# --- the village: activities ------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One activity of Beesd, in the words its organisers would use."""

    key: str
    org: str
    title: str
    description: str
    theme: str
    frequency: str
    weekday: int
    start: time | None
    end: time | None
    place: str | None = None
    room: str | None = None
    target: str = TargetGroup.EVERYONE
    ordinal: int | None = None  # monthly on a weekday: 1-5 or -1
    days_from_today: int | None = None  # one-off or a new series: this many days ahead
    history: int = VILLAGE_HISTORY_DAYS  # a running series: started this many days ago
    count: int | None = None
    cost: str | None = None
    cost_note: str = ""
    registration: bool = False
    capacity: int | None = None
    co: tuple[str, ...] = ()
    status: str = Status.PUBLISHED
    location_note: str = ""
    holidays: bool = False  # skips Christmas week
    summer_break: bool = False  # skipped six weeks of last summer (SUMMER_BREAK)
    facts: dict = field(default_factory=dict)
    cancel_reason: str = ""
    moderation_comment: str = ""


T = Theme
G = TargetGroup
S = Status
HOME_ACTIVITIES: tuple[Spec, ...] = (
    Spec("ontmoet", "ontmoet", "Beesd ontmoet elkaar",
         "Iedere derde donderdag een gezellige middag in het Klokhuis: een optreden, een "
         "spelletje, een quiz of gewoon samen aan de koffie met iets lekkers. Iedereen is "
         "welkom, ook als je nog niemand kent. Kom je ook?",
         T.MEETING, F.MONTHLY_WEEKDAY, THU, time(14, 0), time(16, 30), "klokhuis",
         "Grote zaal", G.ELDERLY, ordinal=3, co=("welzijn",), facts={"transport_available": True}),
    Spec("theatre", "klokhuis", "De gezelligste camping van Nederland",
         "Een theaterduo neemt je mee naar de gezelligste camping van Nederland. Even weg "
         "zonder je tent op te zetten: er wordt hard gelachen en hard meegezongen. Na afloop "
         "staat de koffie klaar.",
         T.CULTURE, F.ONCE, THU, time(14, 0), time(16, 0), "klokhuis", "Grote zaal",
         days_from_today=24, cost="2.50", cost_note="Inclusief koffie of thee.",
         registration=True, capacity=80, co=("ontmoet", "welzijn")),
    Spec("coffee", "klokhuis", "Koffieochtend in het Klokhuis",
         "Binnenlopen voor een kop koffie en een praatje. Lees de krant, doe een spelletje of "
         "maak kennis met je buren. De koffie staat klaar vanaf tien uur.",
         T.MEETING, F.WEEKLY, TUE, time(10, 0), time(11, 30), "klokhuis", "Kleine zaal",
         holidays=True),
    Spec("parish_coffee", "parish", "Warme koffieochtend op woensdag",
         "Koffie, thee en een goed gesprek. Je hoeft niet katholiek te zijn om langs te "
         "komen: iedereen is welkom.",
         T.MEETING, F.WEEKLY, WED, time(10, 0), time(11, 30), "klokhuis", "Kleine zaal"),
    Spec("games", "klokhuis", "Spelletjesmiddag",
         "Rummikub, sjoelen, scrabble of klaverjassen: we spelen wat er op tafel komt. "
         "Nieuwe spelers leggen we het graag uit.",
         T.GAMES, F.WEEKLY, MON, time(14, 0), time(16, 30), "klokhuis", "Kleine zaal",
         holidays=True),
    Spec("film", "klokhuis", "Filmmiddag",
         "Een mooie film op het grote doek, met een kop thee en iets lekkers in de pauze.",
         T.CULTURE, F.MONTHLY_WEEKDAY, WED, time(14, 0), time(16, 30), "klokhuis",
         "Grote zaal", ordinal=2, cost="2.50", facts={"hearing_loop": True}),
    Spec("dinner", "klokhuis", "Samen eten in het Klokhuis",
         "Vrijwilligers koken een eenvoudige, lekkere maaltijd. Aanschuiven kan voor "
         "iedereen; meld je wel even aan, dan weten we voor hoeveel mensen we koken.",
         T.FOOD, F.MONTHLY_WEEKDAY, WED, time(17, 30), time(19, 30), "klokhuis", "Grote zaal",
         ordinal=1, cost="5.00", cost_note="Voor een hoofdgerecht en een toetje.",
         registration=True, capacity=30, co=("welzijn",)),
    Spec("bingo", "seniors", "Bingo",
         "Een gezellige avond bingo met mooie prijzen, van een fruitmand tot een "
         "cadeaubon van de bakker. Elke laatste vrijdag van de maand.",
         T.GAMES, F.MONTHLY_WEEKDAY, FRI, time(19, 30), time(22, 0), "klokhuis", "Grote zaal",
         ordinal=-1, cost="2.50", cost_note="Voor vier bingokaarten.", co=("klokhuis",)),
    Spec("cards", "parish", "Kaartavond",
         "Klaverjassen en jokeren tot in de late uurtjes. Alleen of met je vaste maat: we "
         "delen de tafels in bij binnenkomst.",
         T.GAMES, F.BIWEEKLY, FRI, time(20, 0), time(0, 30), "klokhuis", "Kleine zaal",
         cost="2.50", target=G.ADULTS),
    Spec("gym", "gym", "Gym voor ouderen",
         "Bewegen op je eigen tempo, op muziek, onder leiding van een vaste docent. Daarna "
         "drinken we samen koffie. De eerste keer is gratis.",
         T.EXERCISE, F.WEEKLY, TUE, time(9, 0), time(9, 45), "klokhuis", "Grote zaal",
         G.ELDERLY, cost="2.50", cost_note="Per keer; de eerste keer is gratis.",
         holidays=True),
    Spec("gym_thu", "gym", "Gym voor ouderen op donderdag",
         "Dezelfde gym, op donderdagochtend. Ook goed te doen als je wat minder mobiel bent: "
         "veel oefeningen kunnen zittend.",
         T.EXERCISE, F.WEEKLY, THU, time(9, 30), time(10, 15), "klokhuis", "Grote zaal",
         G.ELDERLY, cost="2.50", holidays=True),
    Spec("chair_yoga", "welzijn", "Stoelyoga",
         "Rustige yoga op en naast de stoel. Goed voor je balans en je ademhaling, en je "
         "hoeft niet op de grond te gaan liggen.",
         T.EXERCISE, F.WEEKLY, MON, time(10, 30), time(11, 30), "sporthal", "Zaal 2",
         G.ELDERLY, cost="2.50", co=("gym",), facts={"low_stimulus": True},
         summer_break=True),
    Spec("balance", "homecare", "In balans: cursus valpreventie",
         "Tien lessen om steviger op je benen te staan, met oefeningen die je thuis kunt "
         "blijven doen. Samen met de fysiotherapeut en de praktijkondersteuner.",
         T.EXERCISE, F.WEEKLY, TUE, time(13, 30), time(15, 0), "sporthal", "Zaal 1",
         G.ELDERLY, days_from_today=14, count=10, cost="2.50", registration=True, capacity=12,
         co=("gp",)),
    Spec("bike", "cycling", "Fietstocht door de Betuwe",
         "Elke woensdag een tocht van zo'n 30 kilometer langs de Linge en door de "
         "boomgaarden, met een koffiestop onderweg. E-bikes zijn welkom. Regent het, dan "
         "drinken we samen koffie in het Klokhuis.",
         T.EXERCISE, F.WEEKLY, WED, time(13, 30), time(16, 30), "klokhuis", None,
         location_note="We vertrekken voor het Klokhuis.", holidays=True),
    Spec("ebike", "cycling", "Veilig op de e-bike",
         "Een ochtend oefenen op het plein: opstappen, remmen, bochten en het verkeer. Neem "
         "je eigen e-bike mee.",
         T.LEARNING, F.ONCE, MON, time(10, 0), time(12, 0), "sportpark", None,
         days_from_today=40, registration=True, capacity=12, co=("welzijn",)),
    Spec("flowers", "flowers", "Bloemschikken",
         "Met bloemen en groen uit de tuin maken we samen een mooi stuk. Je neemt je eigen "
         "schaal mee naar huis, of brengt hem naar het zorgcentrum.",
         T.CREATIVE, F.MONTHLY_WEEKDAY, TUE, time(19, 30), time(21, 30), "gellicum", "Zaal",
         ordinal=2, cost="2.50", cost_note="Inclusief bloemen en groen.", registration=True,
         capacity=14),
    Spec("market_bus", "bus", "Met de bus naar de markt in Culemborg",
         "De bus van Beesd op stap haalt je thuis op en brengt je naar de markt. Rond half "
         "één ben je weer thuis. Vol is vol: meld je op tijd aan.",
         T.OUTING, F.MONTHLY_WEEKDAY, FRI, time(9, 30), time(12, 30), None, None,
         ordinal=1, cost="2.50", cost_note="Bijdrage voor de bus.", registration=True,
         capacity=8, location_note="We halen je thuis op.",
         facts={"transport_available": True}),
    Spec("shopping_bus", "bus", "Boodschappenbus",
         "Elke donderdagochtend rijdt de bus langs de supermarkt in Geldermalsen. De "
         "chauffeur helpt met de tassen.",
         T.OUTING, F.WEEKLY, THU, time(9, 30), time(11, 30), None, None, G.ELDERLY,
         cost="1.00", registration=True, capacity=8, location_note="We halen je thuis op.",
         facts={"transport_available": True}, holidays=True),
    Spec("trip_gardens", "bus", "Uitje met de bus: de tuinen van Appeltern",
         "Een dag samen op stap naar de tuinen van Appeltern, met koffie en gebak onderweg. "
         "De bus heeft een lift voor de rolstoel.",
         T.OUTING, F.ONCE, WED, time(10, 0), time(16, 0), None, None, days_from_today=17,
         cost="12.50", cost_note="Inclusief koffie, gebak en entree.", registration=True,
         capacity=8, co=("zonnebloem",), location_note="We vertrekken bij het Klokhuis.",
         facts={"transport_available": True, "wheelchair_accessible": True}),
    Spec("trip_mill", "bus", "Uitje met de bus: molen en museum",
         "We bezoeken de molen van Buurmalsen en het museum in Culemborg, met een lunch "
         "tussendoor.",
         T.OUTING, F.ONCE, TUE, time(9, 30), time(15, 30), None, None, days_from_today=52,
         cost="12.50", registration=True, capacity=8,
         location_note="We vertrekken bij het Klokhuis.", facts={"transport_available": True}),
    Spec("repair", "repair", "Repair Café",
         "Kapotte lamp, stofzuiger of broek? Samen met onze vrijwillige reparateurs maak je "
         "het weer. Niet weggooien, maar maken: met koffie en iets lekkers.",
         T.HELP, F.MONTHLY_WEEKDAY, SAT, time(10, 0), time(13, 0), "klokhuis", "Grote zaal",
         ordinal=1, cost_note="Een vrijwillige bijdrage is welkom."),
    Spec("reading", "library", "Leesclub in de bibliotheek",
         "Eens per maand praten we over een boek dat we allemaal gelezen hebben. De "
         "bibliotheek zorgt voor de boeken.",
         T.CULTURE, F.MONTHLY_WEEKDAY, THU, time(14, 0), time(15, 30), "library", "Leeszaal",
         ordinal=2, registration=True, capacity=12),
    Spec("digicafe", "library", "Digicafé",
         "Hulp bij je telefoon, tablet of de DigiD. Neem je apparaat mee: een vrijwilliger "
         "kijkt met je mee.",
         T.HELP, F.WEEKLY, MON, time(10, 0), time(12, 0), "library", "Digicafé"),
    Spec("language", "library", "Taalcafé",
         "Nederlands oefenen in een ontspannen sfeer, met koffie en een goed gesprek. Elk "
         "niveau is welkom.",
         T.LEARNING, F.WEEKLY, WED, time(10, 0), time(11, 30), "library", "Leeszaal",
         G.ADULTS, history=120),
    Spec("read_aloud", "library", "Voorlezen voor peuters",
         "Prentenboeken voorlezen, liedjes zingen en samen knutselen. Voor peuters met hun "
         "ouders, opa of oma.",
         T.LEARNING, F.BIWEEKLY, SAT, time(10, 30), time(11, 15), "library", "Leeszaal",
         G.FAMILIES, co=("childcare",)),
    Spec("lunch", "care_home", "Open lunch in De Lingehof",
         "Elke dag kun je aanschuiven in het restaurant van het zorgcentrum: soep, een "
         "broodje en een toetje, samen met bewoners en buren.",
         T.FOOD, F.DAILY, MON, time(12, 0), time(13, 30), "care_home", "Restaurant",
         cost="7.50", cost_note="Soep, broodjes en een toetje."),
    Spec("music", "care_home", "Muziekmiddag in De Lingehof",
         "De Harmonie speelt bekende liedjes en iedereen zingt mee. Buren, familie en "
         "vrienden zijn van harte welkom.",
         T.CULTURE, F.MONTHLY_WEEKDAY, SUN, time(14, 30), time(16, 0), "care_home",
         "Restaurant", ordinal=-1, co=("band",)),
    Spec("koersbal", "care_home", "Koersbal",
         "Een rustig balspel op de mat, goed te doen voor iedereen. Wie wint, trakteert niet.",
         T.EXERCISE, F.WEEKLY, WED, time(14, 0), time(15, 30), "care_home",
         "Activiteitenruimte", G.ELDERLY),
    Spec("sjoelen", "day_care", "Sjoelen",
         "Wekelijkse sjoelmiddag met de gasten van de dagbesteding en iedereen die mee wil "
         "doen. Een goede worp is zo gemaakt.",
         T.GAMES, F.WEEKLY, FRI, time(14, 0), time(15, 30), "care_home", "Activiteitenruimte",
         co=("care_home",)),
    Spec("garden", "day_care", "Samen tuinieren",
         "Zaaien, wieden en oogsten in de moestuin. Wat we oogsten, eten we samen op.",
         T.NATURE, F.WEEKLY, TUE, time(10, 0), time(12, 0), "care_home", None,
         location_note="In de tuin achter het zorgcentrum."),
    Spec("sing_toddlers", "childcare", "Zingen met de peuters",
         "Eens per maand zingen en knutselen de peuters samen met de gasten van de "
         "dagbesteding. Vrolijke boel.",
         T.CULTURE, F.MONTHLY_WEEKDAY, MON, time(10, 0), time(11, 0), "care_home",
         "Activiteitenruimte", G.FAMILIES, ordinal=1, co=("day_care",)),
    Spec("church_coffee", "church", "Koffie na de kerk",
         "Na de dienst drinken we koffie in de kerkzaal. Ook wie niet in de dienst was, is "
         "welkom.",
         T.MEETING, F.WEEKLY, SUN, time(11, 15), time(12, 15), "church", "Kerkzaal"),
    Spec("soup", "church", "Soep en een praatje",
         "Een kom zelfgemaakte soep met brood, en tijd voor een praatje.",
         T.FOOD, F.BIWEEKLY, THU, time(12, 0), time(13, 30), "church", "Kerkzaal",
         cost_note="Gratis; een gift voor de soep is welkom."),
    Spec("organ", "church", "Orgelconcert in de Dorpskerk",
         "Een uur orgelmuziek van Bach tot bekende liederen. Er is een ringleiding.",
         T.CULTURE, F.ONCE, SAT, time(15, 0), time(16, 0), "church", "Kerkzaal",
         days_from_today=31, cost_note="Collecte bij de uitgang."),
    Spec("choir", "choir", "Zingen voor iedereen",
         "Zingen doe je samen. Nieuwe stemmen zijn van harte welkom, ook als je geen noten "
         "leest. Kom gerust een keer meezingen.",
         T.CULTURE, F.WEEKLY, MON, time(19, 30), time(21, 30), "church", "Kerkzaal",
         holidays=True),
    Spec("concert", "band", "Concert van de Harmonie",
         "Ons jaarlijkse concert in het Klokhuis, met het opleidingsorkest en de harmonie. "
         "Na afloop een drankje.",
         T.CULTURE, F.ONCE, SAT, time(20, 0), time(22, 0), "klokhuis", "Grote zaal",
         days_from_today=45, cost="2.50"),
    Spec("quiz", "oranje", "Dorpsquiz",
         "Met je buren, je familie of je kaartclub: stel een team samen en test je kennis "
         "van Beesd en de rest van de wereld.",
         T.GAMES, F.ONCE, FRI, time(20, 0), time(22, 30), "klokhuis", "Grote zaal",
         days_from_today=66, cost="2.50", cost_note="Per persoon.", registration=True,
         capacity=60),
    Spec("bbq", "oranje", "Buurtbarbecue",
         "Samen eten op het Kerkplein. We zoeken nog mensen die willen helpen.",
         T.FOOD, F.ONCE, SAT, time(17, 0), time(21, 0), None, None, days_from_today=90,
         status=S.DRAFT, location_note="Op het Kerkplein."),
    Spec("lecture", "seniors", "Lezing: Beesd vroeger en nu",
         "De Historische Kring vertelt met oude foto's over het Beesd van vroeger. Herken "
         "jij je opa of je oude straat?",
         T.CULTURE, F.ONCE, TUE, time(14, 0), time(16, 0), "klokhuis", "Grote zaal",
         days_from_today=10, co=("history",)),
    Spec("forms", "humanitas", "Spreekuur formulieren en post",
         "Vragen over een brief of een formulier? Een vrijwilliger van de thuisadministratie "
         "kijkt met je mee. Gewoon binnenlopen.",
         T.HELP, F.BIWEEKLY, TUE, time(10, 0), time(12, 0), "library", "Leeszaal"),
    Spec("needlework", "women", "Handwerkcafé",
         "Breien, haken of borduren, samen met anderen. Neem je eigen werk mee of leer iets "
         "nieuws.",
         T.CREATIVE, F.WEEKLY, THU, time(13, 30), time(16, 0), "klokhuis", "Kleine zaal",
         cost="1.00", holidays=True),
    Spec("walk", "women", "Wandelen langs de Linge",
         "Een wandeling van een uur in een rustig tempo, met koffie na afloop.",
         T.EXERCISE, F.BIWEEKLY, TUE, time(10, 0), time(11, 30), None, None,
         location_note="Start bij de Dorpskerk."),
    Spec("walking_football", "football", "Wandelvoetbal voor 60-plussers",
         "Voetballen zonder rennen: goed voor je conditie en vooral erg gezellig. Daarna "
         "koffie in de kantine.",
         T.EXERCISE, F.WEEKLY, TUE, time(10, 0), time(11, 30), "sportpark", "Kantine",
         G.ELDERLY),
    Spec("tennis", "tennis", "Koffietoss",
         "Op vrijdagochtend tennissen we in wisselende koppels. Nog nooit gespeeld? Er zijn "
         "rackets te leen.",
         T.EXERCISE, F.WEEKLY, FRI, time(10, 0), time(12, 0), None, None, history=200,
         location_note="Tennispark De Linge, Acquoy."),
    Spec("carers", "carers", "Mantelzorgcafé",
         "Zorg je voor iemand? Schuif aan voor een kop koffie, herkenning en goede tips van "
         "elkaar.",
         T.HELP, F.MONTHLY_WEEKDAY, TUE, time(19, 30), time(21, 30), "klokhuis", "Kleine zaal",
         G.ADULTS, ordinal=3, facts={"hearing_loop": True}),
    Spec("youth_evening", "youth", "Inloopavond De Schuur",
         "Chillen, gamen, tafeltennissen of gewoon kletsen. Voor jongeren van 12 tot 18.",
         T.GAMES, F.WEEKLY, THU, time(19, 0), time(22, 0), None, None, G.YOUTH,
         location_note="Jongerenruimte De Schuur, achter het Klokhuis."),
    Spec("odd_jobs", "youth", "Klusploeg: jongeren helpen in de tuin",
         "Jongeren van De Schuur helpen ouderen met klusjes in de tuin. Heb je een klus? "
         "Meld je aan.",
         T.HELP, F.ONCE, SAT, time(10, 0), time(13, 0), None, None, days_from_today=20,
         status=S.SUBMITTED, registration=True, capacity=10,
         location_note="Bij je thuis in Beesd."),
    Spec("games_all_ages", "youth", "Spelletjesavond voor jong en oud",
         "Jongeren en ouderen spelen samen bordspellen. Wie leert wie het nieuwste spel?",
         T.GAMES, F.MONTHLY_WEEKDAY, FRI, time(19, 0), time(21, 30), "klokhuis", "Kleine zaal",
         ordinal=2, days_from_today=10, status=S.SUBMITTED),
    Spec("photos", "history", "Kijkmiddag oude foto's",
         "Honderden foto's van het oude Beesd op tafel en op het scherm. Wie herkent wie?",
         T.CULTURE, F.MONTHLY_WEEKDAY, THU, time(14, 0), time(16, 0), "library", "Leeszaal",
         ordinal=1),
    Spec("history_walk", "history", "Historische wandeling door Beesd",
         "Een wandeling langs de oude boerderijen, de kerk en de Linge, met verhalen van "
         "toen.",
         T.CULTURE, F.ONCE, SAT, time(14, 0), time(15, 30), None, None, days_from_today=35,
         status=S.SUBMITTED, location_note="Start bij de Dorpskerk."),
    Spec("soos", "rumpt", "Soosmiddag in Rumpt",
         "Kaarten, biljarten of een potje sjoelen, en altijd koffie met wat lekkers.",
         T.GAMES, F.WEEKLY, WED, time(14, 0), time(17, 0), "rumpt", "Zaal", holidays=True),
    Spec("rumpt_dinner", "rumpt", "Maaltijd in het dorpshuis",
         "Op de laatste vrijdag van de maand koken vrijwilligers voor het dorp. Aanmelden "
         "kan tot woensdag.",
         T.FOOD, F.MONTHLY_WEEKDAY, FRI, time(17, 30), time(19, 30), "rumpt", "Zaal",
         ordinal=-1, cost="7.50", registration=True, capacity=40),
    Spec("billiards", "rumpt", "Biljarten",
         "Een keu ligt klaar. Beginners krijgen een paar tips van de vaste spelers.",
         T.GAMES, F.WEEKLY, MON, time(13, 30), time(16, 30), "rumpt", "Biljartkamer",
         cost="1.00"),
    Spec("rhenoy_cards", "ice_club", "Klaverjassen in Rhenoy",
         "Elke dinsdagavond klaverjassen in de kantine van de ijsbaan.",
         T.GAMES, F.WEEKLY, TUE, time(19, 30), time(22, 30), "rhenoy", "Kantine", cost="2.00"),
    Spec("zonnebloem", "zonnebloem", "Zonnebloemmiddag",
         "Een gezellige middag met een spelletje, een optreden of een verhaal. Vervoer nodig? "
         "Wij halen je op.",
         T.MEETING, F.MONTHLY_WEEKDAY, TUE, time(14, 0), time(16, 0), "care_home",
         "Restaurant", G.ELDERLY, ordinal=2, facts={"transport_available": True}),
    Spec("advice", "welzijn", "Spreekuur ouderenadviseur",
         "Even binnenlopen met een vraag over wonen, vervoer, hulp in huis of iets anders. "
         "De ouderenadviseur denkt met je mee.",
         T.HELP, F.WEEKLY, THU, time(10, 0), time(11, 30), "klokhuis", "Kleine zaal",
         holidays=True),
    Spec("village_talk", "village_council", "Praat mee over Beesd",
         "Wat gaat er goed in het dorp en wat kan beter? Dorpsbelangen en de gemeente "
         "luisteren. Koffie staat klaar.",
         T.MEETING, F.ONCE, MON, time(19, 30), time(21, 30), "klokhuis", "Grote zaal",
         days_from_today=28, co=("gemeente",)),
    Spec("grandparents", "school", "Grootouders lezen voor",
         "Opa's, oma's en buren lezen voor in de klas. Wil je ook eens voorlezen? Kom kijken.",
         T.LEARNING, F.MONTHLY_WEEKDAY, WED, time(10, 30), time(11, 30), None, None,
         G.CHILDREN, ordinal=3, co=("library",),
         location_note="Openbare basisschool De Bongerd."),
    Spec("cleanup", "cbs", "Dorpsschoonmaak",
         "Met grijpers en vuilniszakken maken we samen het dorp schoon. Daarna limonade en "
         "koffie op het schoolplein.",
         T.NATURE, F.ONCE, SAT, time(10, 0), time(12, 0), None, None, G.FAMILIES,
         days_from_today=38, co=("village_council",),
         location_note="Start op het schoolplein van De Regenboog."),
    Spec("petanque", "seniors", "Jeu de boules op het Kerkplein",
         "Elke zaterdagmiddag jeu de boules op het Kerkplein.",
         T.EXERCISE, F.WEEKLY, SAT, time(14, 0), time(16, 0), None, None, history=300,
         status=S.CANCELLED, location_note="Op het Kerkplein.",
         cancel_reason="We stoppen voorlopig. Wie wil het stokje overnemen? Meld je bij het "
         "Klokhuis."),
    Spec("computer", "seniors", "Computercursus voor beginners",
         "Zes ochtenden oefenen met e-mail, foto's en veilig internetten, in een klein "
         "groepje.",
         T.LEARNING, F.WEEKLY, THU, time(13, 30), time(15, 30), "library", "Digicafé",
         G.ELDERLY, days_from_today=21, count=6, cost="2.50", registration=True, capacity=8,
         status=S.RETURNED,
         moderation_comment="Kun je nog zeggen of mensen een eigen laptop mee moeten nemen?"),
)  # fmt: skip

#: Organisations of the village that publish without approval by the network.
HOME_TRUSTED = (
    "welzijn", "klokhuis", "ontmoet", "care_home", "day_care", "church", "parish", "library",
    "gym", "cycling", "bus", "zonnebloem", "seniors", "repair", "flowers", "choir", "carers",
    "rumpt", "gemeente", "homecare",
)  # fmt: skip


def _trust_home_organisations(ctx: SeedContext) -> None:
    trusted = [ctx.home[key] for key in HOME_TRUSTED]
    Organisation.objects.filter(pk__in=[org.pk for org in trusted]).update(is_trusted=True)
    for org in trusted:
        org.is_trusted = True


def _start_of(spec: Spec, today: date) -> date:
    """The first date: a running series began about `history` days ago, a new one or a
    one-off lies `days_from_today` ahead; monthly ones on the right weekday of the month."""
    since = (
        today + timedelta(days=spec.days_from_today)
        if spec.days_from_today is not None
        else today - timedelta(days=spec.history)
    )
    if spec.frequency == F.MONTHLY_WEEKDAY:
        return _first_monthly(since, spec.weekday, spec.ordinal or 1)
    if spec.frequency == F.DAILY:
        return since
    return _first_weekday(since, spec.weekday)


def _seed_home_activities(
    ctx: SeedContext, places: dict[str, Place], today: date
) -> list[Activity]:
    rooms = {
        (room.place_id, room.name): room for room in Room.objects.filter(place__in=places.values())
    }
    slugs = set(Activity.objects.values_list("slug", flat=True))
    rng = ctx.rng
    horizon = services.horizon_end(today)
    activities = []
    for spec in HOME_ACTIVITIES:
        organisation = ctx.home[spec.org]
        place = places.get(spec.place) if spec.place else None
        start = _start_of(spec, today)
        activity = Activity(
            organisation=organisation,
            title=spec.title,
            slug=unique_slug(
                Activity, spec.title, fallback="activiteit", max_length=140, taken=slugs
            ),
            description=spec.description,
            theme=spec.theme,
            target_group=spec.target,
            place=place,
            room=rooms.get((place.pk, spec.room)) if place and spec.room else None,
            location_note=spec.location_note,
            cost=Decimal(spec.cost) if spec.cost else None,
            cost_note=spec.cost_note,
            registration_required=spec.registration,
            capacity=spec.capacity,
            contact_name=f"{rng.choice(seeding.FIRST_NAMES)} {rng.choice(seeding.SURNAMES)}",
            contact_email=organisation.email,
            contact_phone=organisation.phone,
            start_date=start,
            start_time=spec.start,
            end_time=spec.end,
            frequency=spec.frequency,
            monthly_ordinal=spec.ordinal,
            count=spec.count,
            status=spec.status,
            cancel_reason=spec.cancel_reason,
            moderation_comment=spec.moderation_comment,
            materialised_until=horizon,
            published_at=(
                _published_at(start, today, rng)
                if spec.status in (S.PUBLISHED, S.CANCELLED)
                else None
            ),
            **spec.facts,
        )
        if spec.holidays:
            activity.exception_dates = _holiday_dates(recurrence.Schedule.of(activity), horizon)
        if spec.summer_break:
            activity.exception_dates = _summer_break_dates(recurrence.Schedule.of(activity), today)
        recurrence.validate(recurrence.Schedule.of(activity))
        activities.append(activity)
    activities = Activity.objects.bulk_create(activities)
    through = Activity.co_organisers.through
    through.objects.bulk_create(
        [
            through(activity_id=activity.pk, organisation_id=ctx.home[key].pk)
            for activity, spec in zip(activities, HOME_ACTIVITIES, strict=True)
            for key in spec.co
        ]
    )
    ctx.shared["home_activities"] = dict(
        zip((spec.key for spec in HOME_ACTIVITIES), activities, strict=True)
    )
    return activities


def _home_single_date_changes(ctx: SeedContext, places: dict[str, Place], today: date) -> None:
    """What happens in a real agenda: a date cancelled now and then, one moved elsewhere."""
    activities = ctx.shared["home_activities"]
    cancellations = {
        "gym": (1, "De zaal is die dag bezet. Volgende week zijn we er weer."),
        "bike": (0, "Geen fietstocht: de vrijwilligers gaan zelf op uitje."),
        "bingo": (2, "Geen bingo deze maand: de zaal wordt opgeknapt."),
    }
    for key, (index, reason) in cancellations.items():
        occurrence = _coming(activities[key], today, index)
        occurrence.is_cancelled = occurrence.is_detached = True
        occurrence.cancel_reason = reason
        occurrence.save(update_fields=["is_cancelled", "cancel_reason", "is_detached"])
    moved = _coming(activities["coffee"], today, 1)
    moved.place = places["church"]
    moved.room = Room.objects.get(place=places["church"], name="Kerkzaal")
    moved.is_detached = True
    moved.save(update_fields=["place", "room", "is_detached"])


def _coming(activity: Activity, today: date, index: int) -> Occurrence:
    return activity.occurrences.filter(original_date__gt=today).order_by("original_date")[index]


# --- the region -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A kind of activity any village has; {v} is the village."""

    title: str
    description: str
    theme: str
    rhythm: str  # "weekly", "monthly", "daily" or "once"
    slot: str  # "morning", "afternoon", "evening", "noon"
    venue: str  # "hall", "church", "sports", "care", "library", "outside"
    weight: int = 10
    target: str = TargetGroup.EVERYONE
    cost: tuple[str | None, ...] = (None, None, "2.50")
    registration: bool = False


REGION_TEMPLATES = (
    Template("Koffieochtend in {v}", "Binnenlopen voor koffie en een praatje. Iedereen is "
             "welkom, de koffie staat klaar.", T.MEETING, "weekly", "morning", "hall", 40),
    Template("Inloopmiddag", "Een middag voor een kop thee, een spelletje en elkaar even "
             "spreken. Kom gerust binnen.", T.MEETING, "weekly", "afternoon", "hall", 20),
    Template("Gym voor ouderen", "Bewegen op muziek, op je eigen tempo. Daarna samen koffie.",
             T.EXERCISE, "weekly", "morning", "sports", 30, G.ELDERLY, ("2.50",)),
    Template("Stoelyoga", "Rustige yoga op en naast de stoel: goed voor je balans.",
             T.EXERCISE, "weekly", "morning", "hall", 10, G.ELDERLY, (None, "2.50")),
    Template("Wandelen vanaf {v}", "Een rustige wandeling van een uur door het dorp en "
             "langs het water, met koffie na afloop.", T.EXERCISE, "weekly", "morning",
             "outside", 20),
    Template("Fietstocht", "Een tocht door de Betuwe met een koffiestop onderweg. E-bikes "
             "zijn welkom.", T.EXERCISE, "weekly", "afternoon", "outside", 15),
    Template("Koersbal", "Een rustig balspel op de mat, goed te doen voor iedereen.",
             T.EXERCISE, "weekly", "afternoon", "care", 10, G.ELDERLY),
    Template("Jeu de boules", "Jeu de boules op het plein, met wie er maar komt.",
             T.EXERCISE, "weekly", "afternoon", "outside", 8),
    Template("Wandelvoetbal", "Voetballen zonder rennen, voor 60-plussers. Daarna koffie.",
             T.EXERCISE, "weekly", "morning", "sports", 8, G.ELDERLY),
    Template("Bingo", "Een gezellige bingo met mooie prijzen.", T.GAMES, "monthly",
             "evening", "hall", 15, cost=("2.50",)),
    Template("Klaverjassen", "Klaverjassen in vaste of wisselende koppels. Nieuwe spelers "
             "welkom.", T.GAMES, "weekly", "evening", "hall", 15, G.ADULTS, (None, "1.00")),
    Template("Spelletjesmiddag", "Rummikub, sjoelen of scrabble: we spelen wat er op tafel "
             "komt.", T.GAMES, "weekly", "afternoon", "hall", 15),
    Template("Sjoelen", "Wekelijkse sjoelmiddag: een goede worp is zo gemaakt.", T.GAMES,
             "weekly", "afternoon", "care", 8),
    Template("Biljarten", "Een keu ligt klaar; beginners krijgen tips.", T.GAMES, "weekly",
             "afternoon", "hall", 6, cost=("1.00",)),
    Template("Bloemschikken", "Met bloemen en groen maken we samen een mooi stuk.",
             T.CREATIVE, "monthly", "evening", "hall", 10, cost=("2.50",), registration=True),
    Template("Handwerkcafé", "Breien, haken of borduren met anderen.", T.CREATIVE, "weekly",
             "afternoon", "hall", 12),
    Template("Schilderen en tekenen", "Samen schilderen, ieder op zijn eigen manier. "
             "Materiaal is er.", T.CREATIVE, "weekly", "morning", "hall", 8, cost=("2.50",)),
    Template("Zingen voor iedereen", "Samen zingen, ook als je geen noten leest.",
             T.CULTURE, "weekly", "evening", "church", 10),
    Template("Filmmiddag", "Een mooie film met thee en iets lekkers.", T.CULTURE, "monthly",
             "afternoon", "hall", 10, cost=("2.50",)),
    Template("Muziekmiddag", "Bekende liedjes om mee te zingen.", T.CULTURE, "monthly",
             "afternoon", "care", 8),
    Template("Leesclub", "Eens per maand praten we over een boek.", T.CULTURE, "monthly",
             "afternoon", "library", 8, registration=True),
    Template("Samen eten", "Vrijwilligers koken, iedereen schuift aan. Meld je even aan.",
             T.FOOD, "monthly", "evening", "hall", 15, cost=("5.00", "7.50"), registration=True),
    Template("Soep en een praatje", "Zelfgemaakte soep met brood en tijd voor een praatje.",
             T.FOOD, "weekly", "noon", "church", 8),
    Template("Open lunch", "Elke dag aanschuiven in het restaurant: soep, een broodje en "
             "een toetje.", T.FOOD, "daily", "noon", "care", 6, cost=("7.50",)),
    Template("Moestuinclub", "Zaaien, wieden en oogsten in de moestuin.", T.NATURE, "weekly",
             "morning", "outside", 8),
    Template("Digicafé", "Hulp bij je telefoon, tablet of DigiD.", T.HELP, "weekly",
             "morning", "library", 12),
    Template("Taalcafé", "Nederlands oefenen in een ontspannen sfeer.", T.LEARNING,
             "weekly", "morning", "library", 8, G.ADULTS),
    Template("Repair Café", "Samen kapotte spullen repareren, met koffie erbij.", T.HELP,
             "monthly", "morning", "hall", 8),
    Template("Spreekuur ouderenadviseur", "Binnenlopen met een vraag over wonen, vervoer of "
             "hulp in huis.", T.HELP, "weekly", "morning", "hall", 8),
    Template("Mantelzorgcafé", "Koffie, herkenning en tips voor wie voor een ander zorgt.",
             T.HELP, "monthly", "evening", "hall", 6, G.ADULTS),
    Template("Voorlezen voor peuters", "Prentenboeken, liedjes en knutselen.", T.LEARNING,
             "weekly", "morning", "library", 6, G.FAMILIES),
    Template("Met de bus naar de markt", "De dorpsbus haalt je thuis op. Vol is vol: meld "
             "je op tijd aan.", T.OUTING, "monthly", "morning", "outside", 8, G.ELDERLY,
             ("2.50",), True),
    Template("Uitje met de bus", "Een dag samen op stap, met koffie en gebak onderweg.",
             T.OUTING, "once", "morning", "outside", 10, cost=("12.50",), registration=True),
    Template("Theatermiddag", "Een voorstelling om bij te lachen en mee te zingen.",
             T.CULTURE, "once", "afternoon", "hall", 8, cost=("2.50", "5.00"),
             registration=True),
    Template("Concert", "Een concert van de plaatselijke muziekvereniging.", T.CULTURE,
             "once", "evening", "church", 6, cost=(None, "5.00")),
    Template("Dorpsquiz", "Stel een team samen en test je kennis van het dorp.", T.GAMES,
             "once", "evening", "hall", 5, cost=("2.50",), registration=True),
    Template("Lezing", "Een verhaal over het dorp van vroeger, met oude foto's.", T.CULTURE,
             "once", "afternoon", "library", 6),
)  # fmt: skip

SLOTS = {
    "morning": ((time(9, 30), 90), (time(10, 0), 90), (time(10, 0), 120)),
    "afternoon": ((time(13, 30), 120), (time(14, 0), 120), (time(14, 0), 150)),
    "evening": ((time(19, 30), 120), (time(19, 30), 150), (time(20, 0), 150)),
    "noon": ((time(12, 0), 90),),
}
REGION_CANCEL_REASONS = (
    "De zaal is die dag bezet.",
    "De vrijwilligers zijn op vakantie.",
    "Geen activiteit vanwege de feestdag.",
    "We schuiven aan bij het dorpsfeest.",
)
#: Organisation kinds that do not run activities for residents themselves.
NOT_ORGANISING = {Kind.WIJKTEAM, Kind.MUNICIPALITY, Kind.HOUSING}
VENUES = {
    "hall": ("Dorpshuis {v}", ("Grote zaal", "Kleine zaal")),
    "church": ("Kerkzaal {v}", ("Kerkzaal",)),
    "sports": ("Sporthal {v}", ("Zaal 1", "Zaal 2")),
    "care": ("Zorgcentrum {v}", ("Restaurant", "Activiteitenruimte")),
    "library": ("Bibliotheek {v}", ("Leeszaal",)),
}


@dataclass
class _Village:
    """One network of the region, as the generator needs it."""

    network: Network
    areas: list[Area]
    organisations: list[Organisation]
    venues: dict[str, list[Place]] = field(default_factory=dict)
    rooms: dict[int, list[Room]] = field(default_factory=dict)


def _seed_region(ctx: SeedContext, today: date) -> int:
    rng = ctx.rng
    villages = _region_villages(ctx)
    if not villages:
        return 0
    _trust_region_organisations(ctx, rng, villages)
    _seed_region_places(ctx, rng, villages)
    # As network.seed does: the factor scales what the region adds to the village.
    recurring = ctx.scaled(REGION_ACTIVITIES - len(HOME_ACTIVITIES))
    one_offs = ctx.scaled(REGION_ONE_OFFS)
    activities = _seed_region_activities(ctx, rng, villages, today, recurring, one_offs)
    return _store_occurrences(
        activities, today, rng, cancel_share=0.01, reasons=REGION_CANCEL_REASONS
    )


def _region_villages(ctx: SeedContext) -> list[_Village]:
    """The networks besides the home one, with their areas and organising organisations."""
    networks = [n for n in ctx.networks if n.pk != ctx.home_network.pk]
    if not networks:
        return []
    by_pk = {org.pk: org for org in ctx.organisations}
    areas = {area.pk: area for area in ctx.areas}
    network_areas: dict[int, list[Area]] = {}
    for network_id, area_id in (
        Network.areas.through.objects.filter(network__in=networks)
        .order_by("area_id")
        .values_list("network_id", "area_id")
    ):
        network_areas.setdefault(network_id, []).append(areas[area_id])
    network_orgs: dict[int, list[Organisation]] = {}
    for network_id, org_id in (
        Organisation.networks.through.objects.filter(network__in=networks)
        .order_by("organisation_id")
        .values_list("network_id", "organisation_id")
    ):
        org = by_pk.get(org_id)
        if org is not None and org.kind not in NOT_ORGANISING:
            network_orgs.setdefault(network_id, []).append(org)
    return [
        _Village(network, network_areas.get(network.pk, []), network_orgs.get(network.pk, []))
        for network in networks
        if network_areas.get(network.pk) and network_orgs.get(network.pk)
    ]


def _trust_region_organisations(
    ctx: SeedContext, rng: random.Random, villages: list[_Village]
) -> None:
    """About two in three organisations publish directly; the rest wait for approval."""
    seen: set[int] = set()
    trusted = []
    for village in villages:
        for org in village.organisations:
            if org.pk not in seen:
                seen.add(org.pk)
                if rng.random() < 0.65:
                    trusted.append(org)
    Organisation.objects.filter(pk__in=[org.pk for org in trusted]).update(is_trusted=True)
    for org in trusted:
        org.is_trusted = True


def _seed_region_places(ctx: SeedContext, rng: random.Random, villages: list[_Village]) -> None:
    """Every network: a village hall, church hall, sports hall, care home and library in its
    main village, and a village hall in about half of its other areas."""
    slugs = set(Place.objects.values_list("slug", flat=True))
    planned: list[tuple[_Village, str, Place, tuple[str, ...]]] = []
    for village in villages:
        main = village.areas[0]
        latitude = Decimal("51.65") + Decimal(rng.randint(0, 40000)) / 100000
        longitude = Decimal("4.90") + Decimal(rng.randint(0, 80000)) / 100000
        for venue, (pattern, rooms) in VENUES.items():
            planned.append(
                (village, venue, _place(slugs, rng, pattern, main, latitude, longitude), rooms)
            )
        for area in village.areas[1:]:
            if rng.random() < 0.5:
                pattern = (
                    "Buurthuis {v}" if area.kind == Area.Kind.NEIGHBOURHOOD else "Dorpshuis {v}"
                )
                planned.append(
                    (village, "hall", _place(slugs, rng, pattern, area, None, None), ("Zaal",))
                )
    places = Place.objects.bulk_create([place for _v, _k, place, _r in planned], batch_size=2000)
    rooms = Room.objects.bulk_create(
        [
            Room(place=place, name=name)
            for place, (_v, _k, _p, names) in zip(places, planned, strict=True)
            for name in names
        ],
        batch_size=2000,
    )
    rooms_by_place: dict[int, list[Room]] = {}
    for room in rooms:
        rooms_by_place.setdefault(room.place_id, []).append(room)
    for place, (village, venue, _p, _names) in zip(places, planned, strict=True):
        village.venues.setdefault(venue, []).append(place)
        village.rooms[place.pk] = rooms_by_place.get(place.pk, [])


def _place(
    slugs: set[str],
    rng: random.Random,
    pattern: str,
    area: Area,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> Place:
    name = pattern.format(v=area.name)
    return Place(
        name=name,
        slug=unique_slug(Place, name, fallback="plaats", max_length=140, taken=slugs),
        address=f"{rng.choice(seeding.STREETS)} {rng.randint(1, 80)}",
        postcode=f"{rng.randint(4000, 4399)} {rng.choice('ABCDEGHJKL')}{rng.choice('MNPRSTVWXZ')}",
        town=area.name.split("-")[0],
        area=area,
        municipality_id=area.municipality_id,
        wheelchair_accessible=rng.random() < 0.8,
        hearing_loop=rng.random() < 0.35,
        accessible_toilet=rng.random() < 0.6,
        latitude=latitude,
        longitude=longitude,
    )


def _seed_region_activities(
    ctx: SeedContext,
    rng: random.Random,
    villages: list[_Village],
    today: date,
    recurring: int,
    one_offs: int,
) -> list[Activity]:
    """`recurring` series spread round-robin over the networks, and `one_offs` single dates.

    Most series run through the whole two years of history; about one in seven started
    later, and about one in twelve has an end date. A few are waiting for approval (untrusted
    organisations only), a few are drafts, a few cancelled.
    """
    slugs = set(Activity.objects.values_list("slug", flat=True))
    horizon = services.horizon_end(today)
    history_start = today - timedelta(days=REGION_HISTORY_DAYS)
    series = [t for t in REGION_TEMPLATES if t.rhythm != "once"]
    singles = [t for t in REGION_TEMPLATES if t.rhythm == "once"]
    activities: list[Activity] = []
    co_organisers: list[tuple[int, int]] = []
    plan = [(index, True) for index in range(recurring)] + [
        (index, False) for index in range(one_offs)
    ]
    for index, is_series in plan:
        village = villages[index % len(villages)]
        pool = series if is_series else singles
        template = rng.choices(pool, [t.weight for t in pool])[0]
        organisation = rng.choice(village.organisations)
        activity = _region_activity(
            rng, slugs, village, template, organisation, today, history_start, horizon
        )
        activities.append(activity)
        if rng.random() < 0.08 and len(village.organisations) > 1:
            partner = rng.choice(village.organisations)
            if partner.pk != organisation.pk:
                co_organisers.append((len(activities) - 1, partner.pk))
    activities = Activity.objects.bulk_create(activities, batch_size=1000)
    through = Activity.co_organisers.through
    through.objects.bulk_create(
        [through(activity_id=activities[i].pk, organisation_id=o) for i, o in co_organisers],
        batch_size=2000,
    )
    return activities


def _region_activity(
    rng: random.Random,
    slugs: set[str],
    village: _Village,
    template: Template,
    organisation: Organisation,
    today: date,
    history_start: date,
    horizon: date,
) -> Activity:
    main = village.areas[0]
    venue_places = village.venues.get(template.venue) or []
    place = rng.choice(venue_places) if venue_places else None
    if place is None and template.venue != "outside":
        place = rng.choice(village.venues.get("hall") or [None])
    room = None
    if place is not None and rng.random() < 0.7:
        room = rng.choice(village.rooms.get(place.pk) or [None])
    start_time, minutes = rng.choice(SLOTS[template.slot])
    end_time = (datetime.combine(today, start_time) + timedelta(minutes=minutes)).time()
    weekday = rng.choices(range(7), (18, 18, 18, 18, 16, 9, 3))[0]
    frequency, ordinal, until, count = F.ONCE, None, None, None
    if template.rhythm == "once":
        start = _first_weekday(
            today + timedelta(days=rng.randint(-REGION_HISTORY_DAYS, 120)), weekday
        )
    else:
        since = history_start
        if rng.random() < 0.15:
            since = history_start + timedelta(days=rng.randint(0, REGION_HISTORY_DAYS + 60))
        if template.rhythm == "daily":
            frequency, start = F.DAILY, since
        elif template.rhythm == "weekly":
            frequency = F.BIWEEKLY if rng.random() < 0.12 else F.WEEKLY
            start = _first_weekday(since, weekday)
        elif rng.random() < 0.7:
            frequency, ordinal = F.MONTHLY_WEEKDAY, rng.choice((1, 1, 2, 3, 3, 4, -1))
            start = _first_monthly(since, weekday, ordinal)
        else:
            frequency = F.MONTHLY_DATE
            start = _first_day_of_month(since, rng.randint(1, 28))
        if rng.random() < 0.08:
            until = start + timedelta(days=rng.randint(90, 600))
        elif rng.random() < 0.02:
            count = rng.randint(4, 12)
    status = Status.PUBLISHED
    roll = rng.random()
    if not organisation.is_trusted and start > today and roll < 0.5:
        status = Status.SUBMITTED
    elif roll < 0.01:
        status = Status.DRAFT
    elif roll < 0.03:
        status = Status.CANCELLED
    cost = rng.choice(template.cost)
    title = template.title.format(v=main.name)
    return Activity(
        organisation=organisation,
        title=title,
        slug=unique_slug(
            Activity,
            f"{title} {main.name}" if "{v}" not in template.title else title,
            fallback="activiteit",
            max_length=140,
            taken=slugs,
        ),
        description=template.description,
        theme=template.theme,
        target_group=template.target,
        place=place,
        room=room,
        location_note="" if place else f"Start bij de kerk in {main.name}.",
        cost=Decimal(cost) if cost else None,
        registration_required=template.registration,
        capacity=rng.choice((8, 12, 20, 30)) if template.registration else None,
        contact_email=organisation.email,
        contact_phone=organisation.phone,
        start_date=start,
        start_time=start_time,
        end_time=end_time,
        frequency=frequency,
        monthly_ordinal=ordinal,
        until=until,
        count=count,
        status=status,
        cancel_reason="We stoppen ermee; dank aan alle vrijwilligers!"
        if status == S.CANCELLED
        else "",
        materialised_until=horizon,
        published_at=_published_at(start, today, rng)
        if status in (S.PUBLISHED, S.CANCELLED)
        else None,
        wheelchair_accessible=rng.random() < 0.1,
        sign_language=rng.random() < 0.01,
        low_stimulus=rng.random() < 0.04,
        transport_available=template.theme == T.OUTING or rng.random() < 0.05,
    )
