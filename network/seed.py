"""Reference data sets: the `village` and `region` scales of SPEC.md, generated deterministically.

`run_seed()` runs this app's step (municipalities, villages, networks, organisations,
volunteers and the demo accounts) and then the steps other apps register, all in one
transaction, so a failure leaves nothing half-done.

Other apps plug in without touching this module: they add a `seed.py` module next to their
`models.py` and decorate their step with `register_step`::

    # activities/seed.py
    from network.seed import SeedContext, register_step

    @register_step
    def seed_activities(ctx: SeedContext) -> None:
        klokhuis = ctx.home["klokhuis"]
        ...
        ctx.counts["activities"] = len(created)

`run_seed()` imports those modules itself; steps run after this app's step, in the order of
INSTALLED_APPS, so a later app can rely on what an earlier one created (put it in
`ctx.shared`). Each step gets its own `ctx.rng`, seeded from the seed and the step's name,
so adding or changing one app's step never changes the data another app's step generates.
An app whose models would block deleting organisations or users (on_delete=PROTECT) also
registers a `register_flush` hook that deletes its own rows first.

Why these choices: the same seed always gives the same names, slugs, e-mail addresses and
memberships (tests and benchmarks compare runs), and the region scale writes everything
with `bulk_create` and one precomputed password hash, because hashing 10,000 passwords
would take longer than everything else together.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TextIO, TypeVar

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils.text import slugify

from .models import Area, Membership, Municipality, Network, Organisation, Role, User
from .shared import unique_slug

SCALES = ("village", "region")
#: The password of every seeded account, demo accounts and generated volunteers alike.
DEMO_PASSWORD = "demo"
BATCH_SIZE = 2000
#: Rows per executemany of insert_rows where there is no COPY (SQLite).
ROWS_PER_INSERT = 20_000

#: Region targets at factor 1.0 (SPEC.md "Scale"); the village network is part of them.
REGION_MUNICIPALITIES = 12
REGION_NETWORKS = 100
REGION_ORGANISATIONS = 2000
REGION_VOLUNTEERS = 10000

M = TypeVar("M", bound=models.Model)
Kind = Organisation.Kind


class SeedError(Exception):
    """Seeding was refused or cannot go on; the message says why and what to do."""


@dataclass
class SeedContext:
    """What a seed step gets: the settings of the run and everything earlier steps created."""

    scale: str
    seed: int
    factor: float
    #: make_password(DEMO_PASSWORD), computed once; steps that create users reuse it.
    password_hash: str
    stdout: TextIO | None = None
    #: This step's own random generator (see `rng_for`); never use the global `random`.
    rng: random.Random = field(default_factory=random.Random)
    municipalities: list[Municipality] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    volunteers: list[User] = field(default_factory=list)
    #: The village network "Beesd voor elkaar", present at every scale.
    home_network: Network | None = None
    #: Well-known organisations of the home network by key: "klokhuis", "welzijn", ...
    home: dict[str, Organisation] = field(default_factory=dict)
    #: Demo accounts by key: "admin", "netwerk", "redacteur", "coordinator", ...
    demo_users: dict[str, User] = field(default_factory=dict)
    #: Free room for later steps to hand data to the steps after them.
    shared: dict[str, Any] = field(default_factory=dict)
    #: What the run reports at the end, in insertion order ("networks": 100, ...).
    counts: dict[str, int] = field(default_factory=dict)

    def rng_for(self, label: str) -> random.Random:
        """A generator that depends only on the seed and `label`, not on other steps."""
        return random.Random(f"{self.seed}:{label}")

    def scaled(self, count: int) -> int:
        """`count` multiplied by the run's factor, rounded half up (may be 0)."""
        return int(count * self.factor + 0.5)

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


@dataclass(frozen=True)
class SeedResult:
    scale: str
    seed: int
    factor: float
    elapsed: float
    counts: dict[str, int]

    def summary(self) -> str:
        """One line for people: "Seeded region in 8.2 s: 100 networks, ..."."""
        parts = ", ".join(
            f"{number} {SINGULAR.get(label, label) if number == 1 else label}"
            for label, number in self.counts.items()
        )
        return f"Seeded {self.scale} in {self.elapsed:.1f} s: {parts}"


#: Count labels that read wrong with 1 ("1 networks"); steps may add their own.
SINGULAR = {
    "municipalities": "municipality",
    "areas": "area",
    "networks": "network",
    "organisations": "organisation",
    "users": "user",
    "memberships": "membership",
}

SeedStep = Callable[[SeedContext], None]
FlushHook = Callable[[], None]
_steps: list[SeedStep] = []
_flush_hooks: list[FlushHook] = []


def register_step(step: SeedStep) -> SeedStep:
    """Add another app's seed step (use as a decorator in `<app>/seed.py`)."""
    if step not in _steps:
        _steps.append(step)
    return step


def register_flush(hook: FlushHook) -> FlushHook:
    """Add a hook that deletes an app's seeded rows before `--flush` deletes the network's."""
    if hook not in _flush_hooks:
        _flush_hooks.append(hook)
    return hook


def registered_steps() -> list[SeedStep]:
    """This app's step first, then other apps' steps in INSTALLED_APPS order."""
    _discover_seed_modules()
    order = {config.name: index for index, config in enumerate(apps.get_app_configs())}

    def app_index(step: SeedStep) -> int:
        config = apps.get_containing_app_config(step.__module__)
        return order.get(config.name, len(order)) if config else len(order)

    others = sorted((s for s in _steps if s is not seed_network), key=app_index)
    return [seed_network, *others]


def _discover_seed_modules() -> None:
    """Import `<app>.seed` for the project's own apps (never for installed packages)."""
    for config in apps.get_app_configs():
        parts = Path(config.path).parts
        if "site-packages" in parts or "dist-packages" in parts:
            continue
        module = f"{config.name}.seed"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics and visibility maps after a bulk load.

    Until autovacuum comes along PostgreSQL believes freshly loaded tables are empty and
    picks nested loops: the agenda's week page took 8 s instead of 0.1 s on a new region.
    VACUUM as well marks the loaded pages all-visible, so index-only scans need not visit
    the table: the nightly "not seen lately" job reads 5M attendance rows from its index
    alone in 0.7 s, and in 2.5 s on a table autovacuum had not seen yet.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM cannot run in a transaction (a test's); ANALYZE still can.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


def run_seed(
    scale: str,
    seed: int = 1,
    factor: float = 1.0,
    *,
    flush: bool = False,
    stdout: TextIO | None = None,
) -> SeedResult:
    """Generate the data set `scale` ("village" or "region") in one transaction.

    Refuses (SeedError) when the database already holds networks, unless `flush` is set,
    which first deletes all seeded domain data and every user.
    """
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of: {', '.join(SCALES)}.")
    if factor <= 0:
        raise SeedError("The factor must be greater than 0.")
    started = time.perf_counter()
    ctx = SeedContext(scale, seed, factor, make_password(DEMO_PASSWORD), stdout)
    steps = registered_steps()  # imports the apps' seed modules, so their flush hooks too
    with transaction.atomic():
        _refuse_or_flush(flush, ctx)
        for step in steps:
            ctx.rng = ctx.rng_for(f"{step.__module__}.{step.__qualname__}")
            step_started = time.perf_counter()
            step(ctx)
            ctx.log(
                f"{step.__module__}.{step.__name__}: {time.perf_counter() - step_started:.1f} s"
            )
    _analyze()
    return SeedResult(scale, seed, factor, time.perf_counter() - started, dict(ctx.counts))


def _refuse_or_flush(flush: bool, ctx: SeedContext) -> None:
    existing = Network.objects.count()
    if existing and not flush:
        raise SeedError(
            f"The database already holds {existing} network(s). Seeding adds to an empty "
            "database only; run with --flush to delete all networks, organisations and "
            "users first."
        )
    if flush:
        flush_seeded_data()
        ctx.log("Deleted the existing networks, organisations and users.")


def flush_seeded_data() -> None:
    """Delete what seeding creates: other apps' rows (their hooks), then this app's, then users."""
    for hook in reversed(_flush_hooks):
        hook()
    for model in (Membership, Organisation, Network, Area, Municipality, EmailAddress, User):
        model.objects.all().delete()


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Stream plain rows (values in `columns` order, attribute names) into the table: one
    COPY on PostgreSQL, executemany in batches elsewhere. No model instances, no auto_now:
    the caller gives every value and keeps the constraints."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    chosen = [fields[name] for name in columns]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in chosen)
    rows = iter(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(chosen))
        while batch := list(islice(rows, ROWS_PER_INSERT)):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                [
                    [f.get_db_prep_save(v, connection) for f, v in zip(chosen, row, strict=True)]
                    for row in batch
                ],
            )


def bulk_create(objs: Sequence[M]) -> list[M]:
    """Insert in batches of BATCH_SIZE; SQLite and PostgreSQL both set the primary keys."""
    if not objs:
        return []
    return type(objs[0]).objects.bulk_create(objs, batch_size=BATCH_SIZE)


# --- this app's step ------------------------------------------------------------------------


def seed_network(ctx: SeedContext) -> None:
    """Municipalities, villages, networks, organisations, volunteers and demo accounts."""
    _seed_home_network(ctx, ctx.rng_for("network.village"))
    if ctx.scale == "region":
        _seed_region(ctx, ctx.rng_for("network.region"))
    _seed_demo_accounts(ctx)
    ctx.counts.update(
        municipalities=Municipality.objects.count(),
        areas=Area.objects.count(),
        networks=Network.objects.count(),
        organisations=Organisation.objects.count(),
        users=User.objects.count(),
        memberships=Membership.objects.count(),
    )


# --- names ----------------------------------------------------------------------------------

FIRST_NAMES = (
    "Ida", "Jenneke", "Truus", "Riet", "Annie", "Bep", "Joke", "Gerda", "Wilma", "Ria",
    "Marian", "Ineke", "Els", "Corrie", "Greet", "Tineke", "Anneke", "Hennie", "Dineke",
    "Marja", "Petra", "Monique", "Linda", "Esther", "Sandra", "Ingrid", "Karin", "Mariska",
    "Sanne", "Lotte", "Fleur", "Noor", "Emma", "Julia", "Anouk", "Lieke", "Femke", "Iris",
    "Fatima", "Samira", "Aylin", "Gerrit", "Henk", "Willem", "Jan", "Kees", "Piet", "Cor",
    "Dirk", "Teun", "Wim", "Ad", "Gijs", "Hans", "Theo", "Rob", "Ruud", "Arie", "Bert",
    "Marco", "Erik", "Jeroen", "Martijn", "Bas", "Daan", "Bram", "Thijs", "Sem", "Jesse",
    "Ruben", "Stijn", "Joost", "Youssef", "Mehmet", "Rachid",
)  # fmt: skip
SURNAMES = (
    "de Vries", "van den Berg", "Bakker", "Jansen", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "de Graaf", "van der Meer", "van der Linden", "Kok",
    "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn",
    "de Jong", "van Dijk", "Verhoeven", "Schouten", "van Beek", "Willems", "van Wijk",
    "Prins", "Kuipers", "Post", "van Rijn", "Koster", "van Ommeren", "van Zuilen",
    "Verhoef", "de Kruijf", "van Kessel", "Hol", "den Hartog", "Versteeg", "van Tuil",
    "Gerritsen", "van Gent", "Hakkert", "van Mourik", "Blom", "van Wely", "de Ridder",
    "Stam", "Bouman", "van Eck", "El Amrani", "Yilmaz", "Kaya", "Bouzid", "Pietersen",
)  # fmt: skip
STREETS = (
    "Dorpsstraat", "Kerkstraat", "Achterweg", "Molenweg", "Middelweg", "Nieuwstraat",
    "Hoefweg", "Steenweg", "Lingedijk", "Prinses Beatrixstraat", "Julianastraat",
    "Zandweg", "Schoolstraat", "Raadhuisstraat", "Kerkplein", "Parallelweg",
    "Kosterstraat", "Appelgaard", "Kersenbogerd", "Populierenlaan", "Wilhelminastraat",
)  # fmt: skip


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def _email_part(text: str) -> str:
    return slugify(text).replace("-", "")


def _volunteer_email(name: str, number: int) -> str:
    first, last = name.split(" ", 1)
    return f"{_email_part(first)}.{_email_part(last)}.{number}@example.org"


def _address(rng: random.Random, postcode: str, village: str) -> str:
    letters = "".join(rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
    return f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {postcode} {letters} {village}"


def _phone(rng: random.Random, area_code: str) -> str:
    return f"{area_code}-{rng.randint(400000, 699999)}"


# --- the home network: Beesd voor elkaar --------------------------------------------------

WEST_BETUWE = "West Betuwe"
#: Villages of the home network with a postcode prefix for addresses.
HOME_VILLAGES = {
    "Beesd": "4153",
    "Rumpt": "4156",
    "Gellicum": "4155",
    "Acquoy": "4151",
    "Rhenoy": "4152",
    "Deil": "4158",
}
HOME_NAME = "Beesd voor elkaar"
HOME_TAGLINE = "Samen goede dingen doen voor Beesd"
HOME_DESCRIPTION = (
    "Beesd voor elkaar is het netwerk waarin inwoners, vrijwilligers en organisaties in "
    "Beesd en de dorpen eromheen de krachten bundelen en gelijkwaardig samenwerken. Zo'n "
    "37 organisaties laten hier zien wat ze doen, van de koffieochtend in het Klokhuis tot "
    "fietstochten, bloemschikken, bingo en gym voor ouderen.\n\n"
    "Beesd ontmoet elkaar komt iedere derde donderdag samen, en met de bus van Beesd op stap "
    "gaan we er samen op uit. We doen samen leuke dingen: kom je ook?"
)

#: (key, name, kind, village or None, description); the order gives each its place.
HOME_ORGANISATIONS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("welzijn", "Welzijn West Betuwe", Kind.WELFARE, "Beesd",
     "Welzijnswerk voor alle dorpen van West Betuwe. Onze opbouwwerkers en ouderenadviseurs "
     "denken mee, brengen mensen bij elkaar en steunen vrijwilligers bij wat zij willen doen."),
    ("klokhuis", "Buurtcentrum het Klokhuis", Kind.OTHER, "Beesd",
     "Het buurtcentrum van Beesd, waar iedereen welkom is. Hier drink je koffie, kijk je "
     "theater, speel je bingo en vertrekt de fietsclub. De koffie staat klaar."),
    ("ontmoet", "Beesd ontmoet elkaar", Kind.CLUB, "Beesd",
     "Iedere derde donderdag een gezellige middag in het Klokhuis: een optreden, een "
     "spelletje of samen aan de koffie. Iedereen is welkom, kom je ook?"),
    ("care_home", "Zorgcentrum De Lingehof", Kind.CARE_HOME, "Beesd",
     "Zorgcentrum midden in het dorp, met een open restaurant waar buurtbewoners aanschuiven. "
     "Vrijwilligers schenken koffie, dekken de tafels en gaan mee op uitjes."),
    ("day_care", "Dagbesteding De Boomgaard", Kind.CARE_HOME, "Beesd",
     "Samen de dag doorbrengen met bewegen, tuinieren, koken en uitstapjes. We doen zoveel "
     "mogelijk mee met wat er in het dorp gebeurt."),
    ("church", "Protestantse Gemeente Beesd", Kind.CHURCH, "Beesd",
     "Kerkgemeente in het hart van het dorp. Naast de diensten: koffie na de kerk, bezoekwerk "
     "en een kerstmaaltijd voor iedereen die zin heeft om aan te schuiven."),
    ("parish", "Rooms-katholieke geloofsgemeenschap Beesd", Kind.CHURCH, "Beesd",
     "Geloofsgemeenschap met vieringen, een kaartclub en een warme koffieochtend op "
     "woensdag. Je hoeft niet katholiek te zijn om langs te komen."),
    ("library", "Bibliotheek Rivierenland, vestiging Beesd", Kind.LIBRARY, "Beesd",
     "Boeken lenen, de krant lezen en hulp bij de digitale overheid. Elke week het Digicafé "
     "en het Taalcafé, waar je in een ontspannen sfeer Nederlands oefent."),
    ("wijkteam", "Sociaal wijkteam Beesd", Kind.WIJKTEAM, "Beesd",
     "Professionals voor vragen over zorg, opvoeding, geld en wonen. Vrijwilligers en "
     "organisaties weten ons te vinden als er meer nodig is dan een helpende hand."),
    ("gemeente", "Gemeente West Betuwe", Kind.MUNICIPALITY, None,
     "De gemeente ondersteunt het Klokhuis en de samenwerking in het sociaal domein, en ziet "
     "in overzichten wat er in de dorpen gebeurt."),
    ("school", "Openbare basisschool De Bongerd", Kind.SCHOOL, "Beesd",
     "Basisschool voor kinderen uit Beesd en omstreken. Leerlingen zingen met kerst in het "
     "zorgcentrum en grootouders lezen voor in de klas."),
    ("cbs", "Christelijke basisschool De Regenboog", Kind.SCHOOL, "Beesd",
     "Een school waar kinderen elkaar kennen. Met de moestuin en de jaarlijkse "
     "dorpsschoonmaak doen we mee in het dorp."),
    ("childcare", "Kinderopvang 't Lingeboompje", Kind.SCHOOL, "Beesd",
     "Peuteropvang en buitenschoolse opvang. Eens per maand gaan de peuters op bezoek bij de "
     "dagbesteding om samen te zingen en te knutselen."),
    ("housing", "Woonstichting Lingewaarden", Kind.HOUSING, "Beesd",
     "Woningcorporatie in West Betuwe. Onze wijkconsulent kent de buurt en denkt mee als "
     "het thuis even niet loopt."),
    ("football", "Voetbalvereniging Beesd", Kind.CLUB, "Beesd",
     "Voetbal voor jong en oud, met een kantine waar het op zaterdag altijd druk en "
     "gezellig is. Op dinsdag wandelvoetbal voor 60-plussers."),
    ("tennis", "Tennisvereniging De Linge", Kind.CLUB, "Acquoy",
     "Tennissen aan de Linge, van beginner tot fanatiek. Op vrijdagochtend een "
     "koffietoss waar iedereen mee kan doen."),
    ("gym", "Gymclub Beesd", Kind.CLUB, "Beesd",
     "Gym voor ouderen op dinsdag- en donderdagochtend in het Klokhuis, op je eigen tempo "
     "en met een kop koffie na afloop."),
    ("cycling", "Fietsclub Beesd", Kind.CLUB, "Beesd",
     "Elke woensdag een fietstocht door de Betuwe, start bij het Klokhuis. Regent het, dan "
     "drinken we daar samen koffie."),
    ("bus", "Beesd op stap", Kind.OTHER, "Beesd",
     "De dorpsbus van Beesd: vrijwillige chauffeurs rijden inwoners naar uitjes, de markt en "
     "activiteiten in de omgeving. Mogelijk gemaakt door donateurs, sponsors en de provincie."),
    ("zonnebloem", "De Zonnebloem, afdeling Beesd", Kind.CLUB, "Beesd",
     "Vrijwilligers gaan op bezoek, organiseren uitstapjes en zorgen voor een verrassing "
     "op z'n tijd. Samen eropuit, ook als dat niet meer vanzelf gaat."),
    ("flowers", "Bloemschikclub Gellicum", Kind.CLUB, "Gellicum",
     "Eens per maand bloemschikken met bloemen en groen uit de tuin. Je neemt je eigen "
     "schaal mee naar huis, of brengt hem naar het zorgcentrum."),
    ("choir", "Zangvereniging Beesd", Kind.CLUB, "Beesd",
     "Zingen doe je samen. Op maandagavond repeteren we in de kerk; nieuwe stemmen zijn "
     "van harte welkom, ook als je geen noten leest."),
    ("band", "Muziekvereniging Harmonie Beesd", Kind.CLUB, "Beesd",
     "Harmonie en opleidingsorkest, met een jaarlijks concert in het Klokhuis en muziek bij "
     "de intocht van Sinterklaas."),
    ("oranje", "Oranjevereniging Beesd", Kind.CLUB, "Beesd",
     "Koningsdag, de dorpsfeestweek en de lampionnenoptocht: wij zorgen dat het dorp samen "
     "feest viert."),
    ("seniors", "Ouderenvereniging KBO-PCOB Beesd", Kind.CLUB, "Beesd",
     "Lezingen, een jaarlijks reisje, bingo en hulp bij de belastingaangifte, door en voor "
     "senioren uit Beesd."),
    ("women", "Vrouwen van Nu, afdeling Beesd", Kind.CLUB, "Beesd",
     "Elke maand een avond met een spreker, een workshop of een uitje, en tussendoor "
     "wandelen en handwerken."),
    ("gp", "Huisartsenpraktijk Beesd", Kind.OTHER, "Beesd",
     "Huisartsenpraktijk met praktijkondersteuners ouderenzorg, die graag weten wat er in "
     "het dorp te doen is om hun patiënten op weg te helpen."),
    ("homecare", "Thuiszorg Rivierenland, team Beesd", Kind.OTHER, "Beesd",
     "Wijkverpleging en huishoudelijke hulp in Beesd en de omliggende dorpen."),
    ("carers", "Mantelzorgpunt West Betuwe", Kind.WELFARE, "Beesd",
     "Wie voor een ander zorgt, kan hier terecht voor een luisterend oor, advies en eens "
     "in de maand een mantelzorgcafé in het Klokhuis."),
    ("youth", "Jongerenwerk De Schuur", Kind.WELFARE, "Beesd",
     "Plek voor jongeren uit Beesd, met een inloopavond, een klussenploeg die ouderen "
     "helpt in de tuin en een zomerkamp."),
    ("foodbank", "Voedselbank West Betuwe, uitgiftepunt Beesd", Kind.OTHER, "Beesd",
     "Elke vrijdag pakketten ophalen, met koffie en een praatje. Vrijwilligers sorteren, "
     "rijden en schenken in."),
    ("humanitas", "Humanitas Thuisadministratie West Betuwe", Kind.WELFARE, "Beesd",
     "Vrijwilligers helpen bij het op orde brengen en houden van de post en de "
     "huishoudportemonnee, thuis aan de keukentafel."),
    ("repair", "Repair Café Beesd", Kind.CLUB, "Beesd",
     "Iedere eerste zaterdag samen kapotte spullen repareren in het Klokhuis. Niet "
     "weggooien, maar maken: met koffie en iets lekkers."),
    ("village_council", "Dorpsbelangen Beesd", Kind.OTHER, "Beesd",
     "Vereniging van inwoners die opkomt voor een leefbaar dorp en de verbinding legt met "
     "de gemeente."),
    ("history", "Historische Kring Beesd", Kind.CLUB, "Beesd",
     "Verhalen, foto's en wandelingen over het Beesd van vroeger. Op de kijkmiddagen "
     "herkent altijd wel iemand zijn opa."),
    ("rumpt", "Dorpshuis Rumpt", Kind.OTHER, "Rumpt",
     "Het dorpshuis van Rumpt: biljarten, kaarten, de soosmiddag en de maaltijd op de "
     "laatste vrijdag van de maand."),
    ("ice_club", "IJsvereniging Rhenoy", Kind.CLUB, "Rhenoy",
     "Als het vriest de ijsbaan van Rhenoy, en de rest van het jaar klaverjassen, een "
     "dorpsbarbecue en de fietsvierdaagse."),
)  # fmt: skip

#: How likely a volunteer helps at an organisation of a kind; the hosts they pick from.
VOLUNTEER_WEIGHT = {
    Kind.CARE_HOME: 4,
    Kind.WELFARE: 3,
    Kind.OTHER: 2,
    Kind.CLUB: 2,
    Kind.CHURCH: 2,
    Kind.LIBRARY: 2,
    Kind.SCHOOL: 1,
}
HOME_VOLUNTEERS = 150


def _seed_home_network(ctx: SeedContext, rng: random.Random) -> None:
    municipality = Municipality.objects.create(name=WEST_BETUWE, slug=slugify(WEST_BETUWE))
    areas = bulk_create(
        [
            Area(municipality=municipality, name=name, slug=slugify(name), kind=Area.Kind.VILLAGE)
            for name in HOME_VILLAGES
        ]
    )
    network = Network.objects.create(
        name=HOME_NAME,
        slug=slugify(HOME_NAME),
        municipality=municipality,
        tagline=HOME_TAGLINE,
        description=HOME_DESCRIPTION,
        contact_email="info@beesdvoorelkaar.example.org",
    )
    network.areas.set(areas)
    organisations = _create_home_organisations(ctx, rng, municipality, areas)
    _link(organisations, network)
    ctx.municipalities.append(municipality)
    ctx.areas.extend(areas)
    ctx.networks.append(network)
    ctx.organisations.extend(organisations)
    ctx.home_network = network
    hosts = _hosts(organisations, [ctx.home["klokhuis"], ctx.home["care_home"]])
    ctx.shared["home_hosts"] = hosts
    ctx.volunteers.extend(_create_volunteers(ctx, rng, HOME_VOLUNTEERS, {network.pk: hosts}))


def _create_home_organisations(
    ctx: SeedContext, rng: random.Random, municipality: Municipality, areas: list[Area]
) -> list[Organisation]:
    area_by_name = {area.name: area for area in areas}
    slugs = ctx.shared.setdefault("organisation_slugs", set())
    organisations = []
    for _key, name, kind, village, description in HOME_ORGANISATIONS:
        slug = unique_slug(Organisation, name, fallback="organisatie", max_length=140, taken=slugs)
        postcode, place = (HOME_VILLAGES[village], village) if village else ("4191", "Geldermalsen")
        organisations.append(
            Organisation(
                name=name,
                slug=slug,
                kind=kind,
                description=description,
                website=f"https://{slug}.example.org/",
                email=f"info@{slug}.example.org",
                phone=_phone(rng, "0345"),
                address=_address(rng, postcode, place),
                area=area_by_name.get(village or ""),
                municipality=municipality,
            )
        )
    created = bulk_create(organisations)
    ctx.home.update(zip((row[0] for row in HOME_ORGANISATIONS), created, strict=True))
    return created


def _link(organisations: Iterable[Organisation], network: Network) -> None:
    through = Organisation.networks.through
    bulk_create([through(organisation=org, network=network) for org in organisations])


def _hosts(
    organisations: Iterable[Organisation], favourites: Iterable[Organisation] = ()
) -> list[tuple[Organisation, int]]:
    """The organisations volunteers help at, with a weight by kind; favourites draw more."""
    bonus = {org.pk for org in favourites}
    hosts = []
    for org in organisations:
        weight = VOLUNTEER_WEIGHT.get(org.kind, 0) + (3 if org.pk in bonus else 0)
        if weight:
            hosts.append((org, weight))
    return hosts


def _create_volunteers(
    ctx: SeedContext,
    rng: random.Random,
    count: int,
    hosts_by_network: dict[int, list[tuple[Organisation, int]]],
) -> list[User]:
    """`count` volunteers, each helping at 1 or 2 organisations of one network."""
    start = len(ctx.volunteers) + 1
    network_ids = sorted(pk for pk, hosts in hosts_by_network.items() if hosts)
    users, picks = [], []
    for number in range(start, start + count):
        name = _person_name(rng)
        users.append(
            User(
                email=_volunteer_email(name, number),
                name=name,
                language="nl",
                password=ctx.password_hash,
            )
        )
        picks.append(_pick_hosts(rng, hosts_by_network[rng.choice(network_ids)]))
    users = bulk_create(users)
    bulk_create([EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    bulk_create(
        [
            Membership(user=user, organisation=org, role=Role.VOLUNTEER)
            for user, orgs in zip(users, picks, strict=True)
            for org in orgs
        ]
    )
    return users


def _pick_hosts(rng: random.Random, hosts: list[tuple[Organisation, int]]) -> list[Organisation]:
    orgs = [org for org, _weight in hosts]
    weights = [weight for _org, weight in hosts]
    first = rng.choices(orgs, weights)[0]
    if len(orgs) == 1 or rng.random() < 0.55:
        return [first]
    second = first
    while second is first:
        second = rng.choices(orgs, weights)[0]
    return [first, second]


# --- the region -----------------------------------------------------------------------------

REGION_MUNICIPALITY_NAMES = (
    "Tiel", "Culemborg", "Buren", "Neder-Betuwe", "Zaltbommel", "Maasdriel",
    "West Maas en Waal", "Vijfheerenlanden", "Molenlanden", "Gorinchem", "Lingewaard",
)  # fmt: skip
#: Real villages of West Betuwe outside the home network, used before generated names.
WEST_BETUWE_VILLAGES = (
    "Geldermalsen", "Meteren", "Tricht", "Buurmalsen", "Enspijk", "Haaften", "Tuil",
    "Hellouw", "Heukelum", "Spijk", "Asperen", "Vuren", "Herwijnen", "Heesselt", "Varik",
    "Ophemert", "Waardenburg", "Neerijnen", "Opijnen", "Est", "Gameren", "Zoelmond",
)  # fmt: skip
NAME_CORES = (
    "Ees", "Hel", "Her", "Lin", "Mal", "Oph", "Var", "Wel", "Ech", "Asp", "Bom", "Dod",
    "Hoen", "Kes", "Mar", "Ot", "Pan", "Ros", "Ter", "Tuy", "Wad", "Zoel", "Bui", "Drum",
    "Kerk", "Molen", "Ravens", "Wilgen", "Eiken", "Berken", "Els", "Haar", "Appel",
    "Peren", "Kersen", "Wiel", "Lek", "Waal", "Gors", "Horn",
)  # fmt: skip
NAME_ENDINGS = (
    "wijk", "dam", "dijk", "hoven", "veen", "broek", "waard", "horst", "beek", "rode",
    "loo", "kamp", "zande", "hem", "sum", "oord", "donk", "inge", "ersum", "stein",
    "mond", "hout", "weerd", "haven", "burg", "meer",
)  # fmt: skip
NAME_PREFIXES = ("Groot-", "Klein-", "Oud-", "Nieuw-", "Sint-")
DISTRICTS = ("Noord", "Oost", "Zuid", "West", "Centrum")
AREA_CODES = ("0345", "0344", "0418", "0183", "0488", "0347", "0346", "0416", "0487")
NETWORK_NAMES = (
    "{v} voor elkaar", "Samen {v}", "{v} doet mee", "Zorgzaam {v}", "Omzien in {v}",
    "Dorpsnetwerk {v}", "{v} helpt elkaar", "Samen sterk in {v}",
)  # fmt: skip
NETWORK_TAGLINES = (
    "Samen goede dingen doen voor {v}",
    "Wat er in {v} te doen is, op één plek",
    "Zin in koffie, een fietstocht of een handje helpen? Doe mee in {v}",
    "Elkaar kennen, elkaar helpen: gewoon in {v}",
    "We doen samen leuke dingen in {v}. Kom je ook?",
)
NETWORK_DESCRIPTION = (
    "{name} is het netwerk van inwoners, vrijwilligers en organisaties in {v} en omgeving "
    "({others}). We laten zien wat er te doen is en werken samen waar dat kan: van de "
    "koffieochtend tot een fietstocht, van de soosmiddag tot een uitje met de dorpsbus.\n\n"
    "Meedoen is vrijblijvend en iedereen is welkom. Kom je ook?"
)
#: Organisation name patterns per kind; {v} is the village, {p} a house or school name.
ORGANISATION_NAMES = {
    Kind.CLUB: (
        "Voetbalvereniging {v}", "Tennisvereniging {v}", "Gymclub {v}", "Fietsclub {v}",
        "Wandelclub {v}", "Zangkoor {v}", "Muziekvereniging {v}", "Oranjevereniging {v}",
        "Biljartvereniging {v}", "Jeu de boulesclub {v}", "Bloemschikclub {v}",
        "Handwerkclub {v}", "Toneelvereniging {v}", "Ouderenvereniging {v}",
        "Vrouwen van Nu, afdeling {v}", "De Zonnebloem, afdeling {v}", "Repair Café {v}",
        "Historische kring {v}", "Kaartclub {v}", "Moestuinclub {v}", "IJsvereniging {v}",
        "Koersbalclub {v}", "Buurtvereniging {v}",
    ),
    Kind.CHURCH: (
        "Protestantse Gemeente {v}", "Hervormde Gemeente {v}", "Parochie {v}",
        "Gereformeerde Kerk {v}",
    ),
    Kind.SCHOOL: ("Basisschool {p}, {v}", "Kindcentrum {p}, {v}", "Peuteropvang {p}, {v}"),
    Kind.CARE_HOME: ("Zorgcentrum {p}, {v}", "Dagbesteding {p}, {v}", "Woonzorg {p}, {v}"),
    Kind.WELFARE: (
        "Mantelzorgpunt {v}", "Jongerenwerk {v}", "Humanitas {v}", "Buurtsportcoach {v}",
        "Vrijwilligerspunt {v}", "Maatjesproject {v}", "Taalhuis {v}",
    ),
    Kind.LIBRARY: ("Bibliotheek Rivierenland, vestiging {v}",),
    Kind.OTHER: (
        "Dorpshuis {v}", "Buurthuis {p}, {v}", "Voedselbank, uitgiftepunt {v}",
        "Huisartsenpraktijk {v}", "{v} op stap", "Dorpsbelangen {v}", "Thuiszorg, team {v}",
        "Fysiotherapie {v}", "Kledingbank {v}", "Ontmoetingscafé {v}",
    ),
}  # fmt: skip
PLACE_NAMES = (
    "De Bongerd", "De Regenboog", "De Wegwijzer", "De Klimop", "De Vlinder", "De Boomgaard",
    "De Linde", "De Kameleon", "De Zonnewijzer", "De Springplank", "De Kastanjehof",
    "De Meidoorn", "Het Anker", "De Wielewaal", "Het Hofje", "De Notenbalk", "De Waard",
)  # fmt: skip
KIND_WEIGHTS = {
    Kind.CLUB: 40,
    Kind.OTHER: 18,
    Kind.WELFARE: 10,
    Kind.SCHOOL: 10,
    Kind.CHURCH: 9,
    Kind.CARE_HOME: 8,
    Kind.LIBRARY: 3,
}
ORGANISATION_DESCRIPTIONS = {
    Kind.CLUB: "Vereniging in {v} voor wie graag samen bezig is. Nieuwe leden en vrijwilligers "
    "zijn welkom: kom gerust eens kijken, de koffie staat klaar.",
    Kind.CHURCH: "Geloofsgemeenschap in {v}. Naast de vieringen: koffie na afloop, bezoekwerk "
    "en activiteiten waar iedereen welkom is.",
    Kind.SCHOOL: "Voor kinderen uit {v} en omgeving. We doen mee met wat er in het dorp "
    "gebeurt, van de dorpsschoonmaak tot zingen in het zorgcentrum.",
    Kind.CARE_HOME: "Zorg en gezelschap dichtbij huis in {v}. Vrijwilligers schenken koffie, "
    "dekken de tafels en gaan mee op uitjes; buurtbewoners schuiven graag aan.",
    Kind.WELFARE: "We denken mee, brengen mensen in {v} bij elkaar en steunen vrijwilligers "
    "bij wat zij in het dorp willen doen.",
    Kind.LIBRARY: "Boeken lenen, de krant lezen, het Digicafé en het Taalcafé in {v}.",
    Kind.OTHER: "Een vertrouwde plek in {v}, waar we samen met andere organisaties laten zien "
    "wat er in het dorp te doen is.",
    Kind.WIJKTEAM: "Professionals voor vragen over zorg, opvoeding, geld en wonen in {v}. "
    "Het netwerk weet ons te vinden als er meer nodig is dan een helpende hand.",
    Kind.MUNICIPALITY: "De gemeente {v} ondersteunt de samenwerking in het sociaal domein en "
    "ziet in overzichten wat er in de dorpen gebeurt.",
    Kind.HOUSING: "Woningcorporatie in {v}. Onze wijkconsulenten kennen de buurt en denken "
    "mee als het thuis even niet loopt.",
}


@dataclass
class _Region:
    """Bookkeeping while generating the region; discarded afterwards."""

    rng: random.Random
    slugs: set[str]
    village_names: set[str]
    municipality_orgs: dict[int, list[Organisation]] = field(default_factory=dict)
    network_villages: dict[int, list[Area]] = field(default_factory=dict)
    area_codes: dict[int, str] = field(default_factory=dict)
    postcodes: dict[str, str] = field(default_factory=dict)


def _seed_region(ctx: SeedContext, rng: random.Random) -> None:
    """The village network plus a region around it.

    The factor scales what the region adds to the village, so 1.0 gives exactly the counts of
    SPEC.md (the village included) and 0.01 still gives a small region: 2 networks.
    """
    region = _Region(rng, ctx.shared["organisation_slugs"], set(HOME_VILLAGES))
    home = ctx.home_network
    region.network_villages[home.pk] = ctx.areas[: len(HOME_VILLAGES)]
    region.postcodes.update(HOME_VILLAGES)
    region.municipality_orgs[home.municipality_id] = [
        ctx.home[key] for key in ("gemeente", "welzijn", "housing")
    ]
    region.area_codes[home.municipality_id] = "0345"
    municipalities = _create_municipalities(ctx, region)
    networks = _create_networks(ctx, region, [ctx.municipalities[0], *municipalities])
    organisations = _create_region_organisations(ctx, region, networks, municipalities)
    hosts = _region_hosts(networks or [home], organisations)
    if not any(hosts.values()):
        hosts = {home.pk: ctx.shared["home_hosts"]}
    count = ctx.scaled(REGION_VOLUNTEERS - HOME_VOLUNTEERS)
    ctx.volunteers.extend(_create_volunteers(ctx, rng, count, hosts))
    ctx.log(f"Region: {len(networks) + 1} networks, {len(ctx.organisations)} organisations.")


def _create_municipalities(ctx: SeedContext, region: _Region) -> list[Municipality]:
    count = ctx.scaled(REGION_MUNICIPALITIES - 1)
    names = list(REGION_MUNICIPALITY_NAMES[:count])
    names += [_new_village_name(region) for _ in range(count - len(names))]
    municipalities = bulk_create([Municipality(name=n, slug=slugify(n)) for n in names])
    for index, municipality in enumerate(municipalities, start=1):
        region.area_codes[municipality.pk] = AREA_CODES[index % len(AREA_CODES)]
    ctx.municipalities.extend(municipalities)
    return municipalities


def _new_village_name(region: _Region, pool: Iterator[str] | None = None) -> str:
    """A real village from `pool` while it lasts, then a generated Dutch-sounding name."""
    for name in pool or ():
        if name not in region.village_names:
            region.village_names.add(name)
            return name
    rng = region.rng
    while True:
        core, ending = rng.choice(NAME_CORES), rng.choice(NAME_ENDINGS)
        if ending in core.lower() or core[-1] == ending[0]:
            continue
        prefix = rng.choice(NAME_PREFIXES) if rng.random() < 0.15 else ""
        name = f"{prefix}{core}{ending}"
        if name not in region.village_names:
            region.village_names.add(name)
            return name


def _create_networks(
    ctx: SeedContext, region: _Region, municipalities: list[Municipality]
) -> list[Network]:
    """The region's networks besides the home one, spread round-robin over municipalities."""
    count = ctx.scaled(REGION_NETWORKS - 1)
    real_villages = iter(WEST_BETUWE_VILLAGES)
    plans = []
    for index in range(count):
        municipality = municipalities[(index + 1) % len(municipalities)]
        pool = real_villages if municipality.name == WEST_BETUWE else None
        plans.append((municipality, _plan_areas(region, municipality, pool)))
    slugs = {ctx.home_network.slug}
    networks = bulk_create([_network(region.rng, slugs, m, plan) for m, plan in plans])
    areas = bulk_create([area for _m, plan in plans for area in plan])
    through = Network.areas.through
    bulk_create(
        [
            through(network=network, area=area)
            for network, (_m, plan) in zip(networks, plans, strict=True)
            for area in plan
        ]
    )
    for network, (_m, plan) in zip(networks, plans, strict=True):
        region.network_villages[network.pk] = plan
    ctx.networks.extend(networks)
    ctx.areas.extend(areas)
    return networks


def _plan_areas(
    region: _Region, municipality: Municipality, pool: Iterator[str] | None
) -> list[Area]:
    """A main village and 2 to 4 more areas: neighbouring villages or its own districts."""
    rng = region.rng
    main = _new_village_name(region, pool)
    areas = [Area(municipality=municipality, name=main, slug=slugify(main))]
    districts = list(DISTRICTS)
    rng.shuffle(districts)
    for _ in range(rng.randint(2, 4)):
        if rng.random() < 0.3:
            name, kind = f"{main}-{districts.pop()}", Area.Kind.NEIGHBOURHOOD
        else:
            name, kind = _new_village_name(region, pool), Area.Kind.VILLAGE
        areas.append(Area(municipality=municipality, name=name, slug=slugify(name), kind=kind))
    return areas


def _network(
    rng: random.Random, slugs: set[str], municipality: Municipality, areas: list[Area]
) -> Network:
    village, others = areas[0].name, ", ".join(area.name for area in areas[1:])
    name = rng.choice(NETWORK_NAMES).format(v=village)
    slug = unique_slug(Network, name, fallback="netwerk", max_length=140, taken=slugs)
    return Network(
        name=name,
        slug=slug,
        municipality=municipality,
        tagline=rng.choice(NETWORK_TAGLINES).format(v=village),
        description=NETWORK_DESCRIPTION.format(name=name, v=village, others=others),
        contact_email=f"info@{slug.replace('-', '')}.example.org",
    )


def _create_region_organisations(
    ctx: SeedContext,
    region: _Region,
    networks: list[Network],
    municipalities: list[Municipality],
) -> list[Organisation]:
    """Municipal organisations first, then round-robin over networks: wijkteam, then mixed."""
    budget = ctx.scaled(REGION_ORGANISATIONS - len(HOME_ORGANISATIONS))
    specs = _municipal_specs(region, municipalities)[:budget]
    targets = networks or [ctx.home_network]
    per_network = [_network_specs(region, network) for network in targets]
    while len(specs) < budget:
        specs.append(next(per_network[len(specs) % len(targets)]))
    organisations = bulk_create([org for org, _network in specs])
    for org, network in zip(organisations, (n for _o, n in specs), strict=True):
        if network is None:
            region.municipality_orgs.setdefault(org.municipality_id, []).append(org)
    _link_region(region, organisations, [n for _o, n in specs], [ctx.home_network, *networks])
    ctx.organisations.extend(organisations)
    return organisations


def _municipal_specs(
    region: _Region, municipalities: list[Municipality]
) -> list[tuple[Organisation, None]]:
    specs = []
    for municipality in municipalities:
        for kind, pattern in (
            (Kind.MUNICIPALITY, "Gemeente {v}"),
            (Kind.WELFARE, "Welzijn {v}"),
            (Kind.HOUSING, "Woonstichting {v}"),
        ):
            name = pattern.format(v=municipality.name)
            specs.append((_organisation(region, name, kind, municipality, None), None))
    return specs


def _network_specs(region: _Region, network: Network) -> Iterator[tuple[Organisation, Network]]:
    """Endless organisations for one network: its wijkteam, then a weighted mix of kinds."""
    rng = region.rng
    villages = region.network_villages[network.pk]
    main = villages[0]
    if network.slug != slugify(HOME_NAME):  # the home network has its wijkteam already
        name = f"Sociaal wijkteam {main.name}"
        yield _organisation(region, name, Kind.WIJKTEAM, network.municipality, main), network
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    used: set[str] = set()
    misses = 0
    while True:
        kind = rng.choices(kinds, weights)[0]
        area = rng.choice(villages)
        place = area.name if area.kind == Area.Kind.VILLAGE else main.name
        name = rng.choice(ORGANISATION_NAMES[kind]).format(v=place, p=rng.choice(PLACE_NAMES))
        if name in used and misses < 50:  # rather a name the network does not have yet
            misses += 1
            continue
        used.add(name)
        misses = 0
        yield _organisation(region, name, kind, network.municipality, area, place), network


def _organisation(
    region: _Region,
    name: str,
    kind: str,
    municipality: Municipality,
    area: Area | None,
    place: str = "",
) -> Organisation:
    """An unsaved organisation in `place` (its village; the municipality's name if none)."""
    rng = region.rng
    slug = unique_slug(
        Organisation, name, fallback="organisatie", max_length=140, taken=region.slugs
    )
    place = place or (area.name if area else municipality.name)
    if place not in region.postcodes:
        region.postcodes[place] = str(rng.randint(4000, 4399))
    postcode = region.postcodes[place]
    return Organisation(
        name=name,
        slug=slug,
        kind=kind,
        description=ORGANISATION_DESCRIPTIONS[kind].format(v=place),
        website=f"https://{slug}.example.org/",
        email=f"info@{slug}.example.org",
        phone=_phone(rng, region.area_codes.get(municipality.pk, "0345")),
        address=_address(rng, postcode, place),
        area=area,
        municipality=municipality,
        is_active=rng.random() >= 0.02,
    )


def _link_region(
    region: _Region,
    organisations: list[Organisation],
    home_networks: list[Network | None],
    all_networks: list[Network],
) -> None:
    """Each organisation in its network, about 1 in 10 also in a neighbouring one, and the
    municipal organisations in every network of their municipality."""
    by_municipality: dict[int, list[Network]] = {}
    for network in all_networks:
        by_municipality.setdefault(network.municipality_id, []).append(network)
    pairs = set()
    for org, network in zip(organisations, home_networks, strict=True):
        if network is None:
            continue
        pairs.add((org.pk, network.pk))
        siblings = [n for n in by_municipality[network.municipality_id] if n is not network]
        if siblings and region.rng.random() < 0.1:
            pairs.add((org.pk, region.rng.choice(siblings).pk))
    for municipality_id, orgs in region.municipality_orgs.items():
        for org in orgs:
            pairs.update((org.pk, n.pk) for n in by_municipality.get(municipality_id, []))
    through = Organisation.networks.through
    existing = set(through.objects.values_list("organisation_id", "network_id"))
    bulk_create([through(organisation_id=o, network_id=n) for o, n in sorted(pairs - existing)])


def _region_hosts(
    networks: list[Network], organisations: list[Organisation]
) -> dict[int, list[tuple[Organisation, int]]]:
    """Volunteer hosts per network, from the organisations created for it (by area)."""
    through = Organisation.networks.through
    org_ids_by_network: dict[int, set[int]] = {}
    for org_id, network_id in through.objects.filter(network__in=networks).values_list(
        "organisation_id", "network_id"
    ):
        org_ids_by_network.setdefault(network_id, set()).add(org_id)
    return {
        network.pk: _hosts(
            o for o in organisations if o.pk in org_ids_by_network.get(network.pk, ())
        )
        for network in networks
    }


# --- demo accounts --------------------------------------------------------------------------

#: (key, e-mail, name, memberships as (role, organisation key or "network")).
DEMO_ACCOUNTS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("admin", "admin@example.org", "Lieke van Dam", ()),
    ("netwerk", "netwerk@example.org", "Joke van Ommeren", ((Role.NETWORK_ADMIN, "network"),)),
    ("redacteur", "redacteur@example.org", "Sanne de Wit", ((Role.EDITOR, "klokhuis"),)),
    ("coordinator", "coordinator@example.org", "Marloes Verhoef",
     ((Role.COORDINATOR, "welzijn"),)),
    ("vrijwilliger", "vrijwilliger@example.org", "Riet van Zuilen",
     ((Role.VOLUNTEER, "care_home"), (Role.VOLUNTEER, "klokhuis"))),
    ("wijkteam", "wijkteam@example.org", "Samira El Amrani", ((Role.WIJKTEAM, "wijkteam"),)),
    ("gemeente", "gemeente@example.org", "Pieter Verbeek", ((Role.MUNICIPALITY, "gemeente"),)),
    ("bewoner", "bewoner@example.org", "Gerrit de Kruijf", ()),
)  # fmt: skip


#: The authenticator secret of the demo accounts that must sign in with a second step
#: (README.md; `manage.py demo_code` prints the current code). Never used outside a seed,
#: and seeding is refused unless SEED_ALLOWED.
DEMO_TOTP_SECRET = "OMZIENDEMOOMZIENDEMOOMZIENDEMO22"
#: The demo accounts whose role asks for the second step: superuser and network
#: administrator always, coordinator and wijkteam member to open referrals.
TWO_STEP_DEMO_ACCOUNTS = ("admin", "netwerk", "coordinator", "wijkteam")


def _seed_demo_accounts(ctx: SeedContext) -> None:
    """One account per role, password "demo", e-mail verified so they can sign in at once."""
    users = bulk_create(
        [
            User(
                email=email,
                name=name,
                language="nl",
                password=ctx.password_hash,
                is_staff=key == "admin",
                is_superuser=key == "admin",
            )
            for key, email, name, _roles in DEMO_ACCOUNTS
        ]
    )
    bulk_create([EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    memberships = []
    for user, (key, _email, _name, roles) in zip(users, DEMO_ACCOUNTS, strict=True):
        ctx.demo_users[key] = user
        for role, scope in roles:
            if scope == "network":
                memberships.append(Membership(user=user, role=role, network=ctx.home_network))
            else:
                memberships.append(Membership(user=user, role=role, organisation=ctx.home[scope]))
    bulk_create(memberships)
    for key in TWO_STEP_DEMO_ACCOUNTS:
        TOTP.activate(ctx.demo_users[key], DEMO_TOTP_SECRET)
