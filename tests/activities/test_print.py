"""Print: A4 week and month overviews and a poster per activity, as PDF.

The PDF itself is checked for being a PDF with the right number of pages; what is on it is
checked in the HTML that went into WeasyPrint (the PDF's text is stored as glyph ids).
"""

import io
import re
import zlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from activities import printing, services
from activities import seed as agenda_seed
from activities.models import Frequency, Occurrence, Status
from tests.activities.factories import PlaceFactory, make_activity
from tests.factories import OrganisationFactory

WEEK_URL = "/afdrukken/week/"
MONTH_URL = "/afdrukken/maand/"


def test_print_urls_are_the_ones_in_the_url_map():
    assert reverse("activities:print_week") == WEEK_URL
    assert reverse("activities:print_month") == MONTH_URL


def _poster_url(activity) -> str:
    return reverse("activities:poster_pdf", kwargs={"slug": activity.slug})


def _pdf_parts(pdf: bytes) -> list[bytes]:
    """The PDF and every compressed stream in it, unpacked (WeasyPrint compresses objects)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return parts


def page_count(pdf: bytes) -> int:
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", part)) for part in _pdf_parts(pdf))


def image_count(pdf: bytes) -> int:
    return sum(len(re.findall(rb"/Subtype\s*/Image", part)) for part in _pdf_parts(pdf))


def assert_pdf(response, filename: str | None = None, pages: int | None = None) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    if filename:
        assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    assert response.content.startswith(b"%PDF")
    count = page_count(response.content)
    assert count >= 1
    if pages is not None:
        assert count == pages


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def agenda(world):
    """A weekly coffee morning at the village hall and a bike ride of another organisation."""
    hall = PlaceFactory(name="Dorpshuis De Schakel", town="Beesd", municipality=world.municipality)
    tomorrow = timezone.localdate() + timedelta(days=1)
    coffee = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        place=hall,
        start_date=tomorrow,
    )
    ride = make_activity(
        organisation=world.other_organisation,
        title="Fietstocht",
        start_date=tomorrow + timedelta(days=7),
        frequency=Frequency.ONCE,
        cost=Decimal("3.50"),
    )
    return coffee, ride


def _iso_week(day) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# Week and month overviews -----------------------------------------------------------


def test_week_overview_lists_the_dates_of_the_week_by_day(english, agenda, printed):
    coffee, _ride = agenda
    second = coffee.occurrences.order_by("starts_at")[1]
    day = second.original_date
    week = day.isocalendar().week

    response = english.get(WEEK_URL, {"week": _iso_week(day)})

    assert_pdf(response, f"agenda-week-{week}.pdf", pages=1)
    [html] = printed
    assert "Koffieochtend" in html
    assert "Fietstocht" in html  # same day a week after tomorrow
    assert "Dorpshuis De Schakel (Beesd)" in html
    assert "10:00\N{EN DASH}11:30" in html
    assert "Het Klokhuis" in html and "Club Elders" in html
    assert "Free" in html and "€ 3.50" in html
    assert day.strftime("%A") in html  # the day heading, e.g. "Thursday 3 December"
    assert f"Week {week}:" in html
    # Only this week: the first coffee morning (tomorrow) lies in the week before.
    assert html.count('<article class="item') == 2


def test_week_can_start_on_any_day(english, agenda, printed):
    coffee, _ride = agenda
    first = coffee.occurrences.order_by("starts_at")[0]

    response = english.get(WEEK_URL, {"start": first.original_date.isoformat()})

    assert_pdf(response)
    [html] = printed
    # Seven days from the start: the first coffee morning, not the second one (plus the ride).
    assert html.count("Koffieochtend") == 1
    assert "Fietstocht" not in html


def test_month_overview_holds_the_whole_month_and_nothing_else(english, world, printed):
    today = timezone.localdate()
    first_of_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    make_activity(
        organisation=world.organisation, title="Bingo", start_date=first_of_next, count=10
    )

    response = english.get(MONTH_URL, {"month": f"{first_of_next:%Y-%m}"})

    assert_pdf(response, f"agenda-{first_of_next:%Y-%m}.pdf")
    [html] = printed
    last_of_month = (first_of_next.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
        days=1
    )
    expected = sum(1 for n in range(10) if first_of_next + timedelta(days=7 * n) <= last_of_month)
    assert html.count('<article class="item') == expected
    assert first_of_next.strftime("%B %Y") in html


# A village's busiest week and month: how many sheets --------------------------------------

#: The day the village data set is built around (a Thursday), so its busiest week is known.
SEED_TODAY = date(2026, 11, 26)


@pytest.fixture
def village(db, monkeypatch):
    """The village reference data set (`manage.py seed --scale village`): 61 activities."""
    monkeypatch.setattr(agenda_seed, "seed_today", lambda: SEED_TODAY)
    call_command("seed", scale="village", stdout=StringIO())


@pytest.fixture
def laid_out(monkeypatch):
    """(HTML, WeasyPrint document) of every PDF made during the test, in order."""
    documents = []
    real = printing.render_document

    def spy(html: str):
        document = real(html)
        documents.append((html, document))
        return document

    monkeypatch.setattr(printing, "render_document", spy)
    return documents


def _busiest(key) -> str:
    days = [
        timezone.localtime(start).date()
        for start in Occurrence.objects.public().values_list("starts_at", flat=True)
    ]
    return Counter(key(day) for day in days).most_common(1)[0][0]


def split_dates(document) -> list[str]:
    """The dates (articles) laid out in more than one piece: over two columns or pages."""
    pieces = Counter()
    texts = {}
    for page in document.pages:
        for box in page._page_box.descendants():
            if box.element_tag == "article":
                pieces[box.element] += 1
                texts[box.element] = " ".join(box.element.itertext()).split()[:6]
    return [" ".join(texts[element]) for element, count in pieces.items() if count > 1]


def test_a_village_week_fits_two_sheets_and_a_month_eight(client, village, laid_out):
    """The busiest week of the village data (some 40 dates) took six sheets and its month 22;
    two columns of short entries bring that down, and no date is ever cut in two."""
    week = _busiest(lambda day: _iso_week(day))
    month = _busiest(lambda day: f"{day:%Y-%m}")

    week_pdf = client.get(WEEK_URL, {"week": week})
    month_pdf = client.get(MONTH_URL, {"month": month})

    (week_html, week_document), (month_html, month_document) = laid_out
    assert week_html.count("<article") >= 38
    assert month_html.count("<article") >= 150
    assert page_count(week_pdf.content) <= 2
    assert page_count(month_pdf.content) <= 8
    assert split_dates(week_document) == []
    assert split_dates(month_document) == []
    assert "print-agenda--large" not in week_html


def test_large_print_is_one_column_of_big_type_and_may_take_more_sheets(client, village, laid_out):
    week = _busiest(lambda day: _iso_week(day))

    normal = client.get(WEEK_URL, {"week": week})
    large = client.get(WEEK_URL, {"week": week, "groot": "1"})

    assert_pdf(large, f"agenda-week-{week[-2:].lstrip('0')}.pdf")
    (normal_html, _normal), (large_html, large_document) = laid_out
    assert 'class="print-agenda print-agenda--large"' in large_html
    assert large_html.count("<article") == normal_html.count("<article")
    assert page_count(large.content) > page_count(normal.content)
    assert split_dates(large_document) == []
    # One column: every date starts at the same distance from the left edge of the sheet.
    lefts = {
        round(box.position_x)
        for page in large_document.pages
        for box in page._page_box.descendants()
        if box.element_tag == "article"
    }
    assert len(lefts) == 1


def test_agenda_page_offers_large_print(client, world):
    html = client.get(reverse("activities:agenda"), {"theme": "games"}).content.decode()
    assert 'href="/afdrukken/week/?theme=games&amp;groot=1"' in html
    assert 'href="/afdrukken/maand/?theme=games&amp;groot=1"' in html
    plain = client.get(reverse("activities:agenda")).content.decode()
    assert 'href="/afdrukken/week/?groot=1"' in plain


def test_cancelled_dates_are_marked(english, agenda, printed):
    coffee, _ride = agenda
    occurrence = coffee.occurrences.order_by("starts_at")[1]
    services.cancel_occurrence(occurrence=occurrence, reason="De zaal is bezet")

    assert_pdf(english.get(WEEK_URL, {"week": _iso_week(occurrence.original_date)}))

    [html] = printed
    cancelled = re.search(r'<article class="item item--cancelled">(.*?)</article>', html, re.S)
    assert cancelled is not None
    assert "Cancelled" in cancelled[1] and "Koffieochtend" in cancelled[1]
    assert "De zaal is bezet" in cancelled[1]


def test_any_agenda_filter_works_and_names_the_organisation_or_network(english, agenda, printed):
    coffee, _ride = agenda
    week = _iso_week(coffee.occurrences.order_by("starts_at")[1].original_date)

    assert_pdf(english.get(WEEK_URL, {"week": week, "organisation": "klokhuis"}))
    assert_pdf(english.get(WEEK_URL, {"week": week, "network": "beesd"}))
    assert_pdf(english.get(WEEK_URL, {"week": week, "free": "on"}))

    by_organisation, by_network, free = printed
    assert "<h1>Het Klokhuis</h1>" in by_organisation
    assert "Fietstocht" not in by_organisation and "Koffieochtend" in by_organisation
    assert "<h1>Beesd voor elkaar</h1>" in by_network
    assert "Fietstocht" not in by_network
    assert "Fietstocht" not in free and "Koffieochtend" in free


def test_drafts_and_inactive_organisations_are_not_printed(english, world, printed):
    tomorrow = timezone.localdate() + timedelta(days=1)
    make_activity(organisation=world.organisation, title="Geheim concept", status=Status.DRAFT)
    hidden = OrganisationFactory(is_active=False, is_trusted=True)
    make_activity(organisation=hidden, title="Opgeheven club")

    assert_pdf(english.get(WEEK_URL, {"start": tomorrow.isoformat()}))

    [html] = printed
    assert "Geheim concept" not in html and "Opgeheven club" not in html
    assert "Nothing is planned in this period." in html


def test_footer_has_the_site_address_and_the_print_date(english, agenda, printed, settings):
    settings.SITE_URL = "https://omzien.example.nl"
    assert_pdf(english.get(MONTH_URL))
    [html] = printed
    assert "omzien.example.nl" in html
    assert f"Printed on {timezone.localdate():%-d %B %Y}" in html


@pytest.mark.parametrize(
    "params",
    [
        {"week": "2026-W99"},
        {"week": "volgende week"},
        {"week": "99999-W01"},
        {"week": "0001-W01"},
        {"start": "2026-02-31"},
        {"start": "morgen"},
        {"week": "", "start": ""},
        {"organisation": "bestaat-niet", "theme": "onzin", "free": "misschien"},
    ],
)
def test_bad_week_gives_the_current_week(english, world, params):
    week = timezone.localdate().isocalendar().week
    assert_pdf(english.get(WEEK_URL, params), f"agenda-week-{week}.pdf")


@pytest.mark.parametrize(
    "params", [{"month": "2026-13"}, {"month": "november"}, {"month": "0000-01"}, {}]
)
def test_bad_month_gives_the_current_month(english, world, params):
    assert_pdf(english.get(MONTH_URL, params), f"agenda-{timezone.localdate():%Y-%m}.pdf")


def test_overview_stops_at_a_maximum_and_says_there_is_more(english, world, printed, monkeypatch):
    monkeypatch.setattr(printing, "MAX_PRINTED_DATES", 3)
    make_activity(organisation=world.organisation, title="Ochtendgym", frequency=Frequency.DAILY)

    assert_pdf(english.get(WEEK_URL, {"start": timezone.localdate().isoformat()}))

    [html] = printed
    assert html.count('<article class="item') == 3
    assert "There is more on the agenda than fits here." in html


def test_overview_queries_do_not_grow_with_the_agenda(
    english, world, django_assert_max_num_queries
):
    hall = PlaceFactory(municipality=world.municipality)
    partner = OrganisationFactory(is_trusted=True)
    make_activity(organisation=world.organisation, place=hall, frequency=Frequency.DAILY)
    params = {"start": timezone.localdate().isoformat(), "network": "beesd"}
    with django_assert_max_num_queries(7):  # filter choices, savepoints included
        assert_pdf(english.get(WEEK_URL, params))
    for n in range(8):
        activity = make_activity(
            organisation=world.organisation, title=f"Activiteit {n}", place=hall
        )
        activity.co_organisers.add(partner)
    with django_assert_max_num_queries(7):  # filter choices, savepoints included
        assert_pdf(english.get(WEEK_URL, params))


# Posters -----------------------------------------------------------------------------


def test_poster_has_everything_a_passer_by_needs(english, world, printed, monkeypatch):
    hall = PlaceFactory(
        name="Dorpshuis De Schakel",
        address="Kerkstraat 3",
        postcode="4153 AB",
        town="Beesd",
        municipality=world.municipality,
    )
    activity = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        place=hall,
        description="Een kopje koffie en een praatje.",
        wheelchair_accessible=True,
    )
    activity.co_organisers.add(OrganisationFactory(name="De Zonnebloem"))
    encoded = []
    real_qr = printing.qr_data_uri
    monkeypatch.setattr(printing, "qr_data_uri", lambda url: encoded.append(url) or real_qr(url))

    response = english.get(_poster_url(activity))

    assert_pdf(response, f"poster-{activity.slug}.pdf", pages=1)
    [html] = printed
    url = settings.SITE_URL + activity.get_absolute_url()
    assert encoded == [url]
    assert 'src="data:image/svg+xml;base64,' in html
    assert url.split("://")[1] in html  # the address in words, for who has no scanner
    assert "Will you join us?" in html
    assert "<h1" in html and "Koffieochtend</h1>" in html
    weekday = activity.start_date.strftime("%A")
    assert f"Every {weekday}" in html
    next_date = activity.occurrences.order_by("starts_at").first().starts_at
    assert timezone.localtime(next_date).strftime("%-d %B") in html
    assert "Dorpshuis De Schakel" in html and "Kerkstraat 3, 4153 AB Beesd" in html
    assert "Free" in html
    assert "Het Klokhuis, De Zonnebloem" in html
    assert "Wheelchair accessible" in html
    assert "Een kopje koffie en een praatje." in html
    assert "print-poster--compact" not in html  # it fitted the first time


def test_poster_with_everything_filled_in_still_fits_on_one_sheet(english, world, printed):
    hall = PlaceFactory(name="Dorpshuis De Hoeksteen aan de Dijk", municipality=world.municipality)
    activity = make_activity(
        organisation=world.organisation,
        title="Wandelen en koffie drinken met de buren van de Dorpsstraat en omgeving",
        place=hall,
        description="Samen een rondje lopen door het dorp en daarna koffie. " * 20,
        registration_required=True,
        capacity=12,
        cost=Decimal("2.50"),
        cost_note="inclusief koffie en thee met iets lekkers",
        location_note="We verzamelen op het kerkplein naast de bakker, bij de grote boom",
        contact_name="Marja de Vries",
        contact_phone="0345 123456",
        contact_email="marja.devries@example.org",
        wheelchair_accessible=True,
        hearing_loop=True,
        sign_language=True,
        low_stimulus=True,
        transport_available=True,
        image_alt="Wandelaars op de dijk",
    )
    activity.co_organisers.add(
        OrganisationFactory(name="Zonnebloem afdeling Beesd en omstreken"),
        OrganisationFactory(name="Protestantse Gemeente Beesd"),
    )
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "orange").save(buffer, "JPEG")
    activity.image.save("wandelen.jpg", ContentFile(buffer.getvalue()))

    response = english.get(_poster_url(activity))

    assert_pdf(response, pages=1)
    assert image_count(response.content) == 1  # the photo, read from the media folder
    # Too much for the normal layout, and for the same type with less text: laid out
    # again, compact, with the QR code still on it.
    normal, shorter, compact = printed
    assert "print-poster--compact" in compact and "print-poster--compact" not in normal
    assert "print-poster--shorter" in shorter
    assert 'src="data:image/svg+xml;base64,' in compact
    assert 'alt="Wandelaars op de dijk"' in compact
    assert "Please register first" in compact
    assert "€ 2.50" in compact and "inclusief koffie" in compact
    assert "0345 123456" in compact


def _more(html: str) -> str:
    """The part of the poster beside the QR code."""
    return html.split('class="poster__more-row"')[1].split("</footer>")[0]


def test_poster_says_whom_to_call_beside_the_qr_code(english, world, printed):
    with_number = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        contact_name="Marja de Vries",
        contact_phone="0345 123456",
    )
    world.organisation.phone = "0345 999999"
    world.organisation.save(update_fields=["phone"])
    organisers_number = make_activity(organisation=world.organisation, title="Bingo")
    nobody = make_activity(organisation=world.other_organisation, title="Fietstocht")

    for activity in (with_number, organisers_number, nobody):
        assert_pdf(english.get(_poster_url(activity)), pages=1)

    first, second, third = printed
    assert "or call 0345 123456" in _more(first)
    assert "0345 123456" not in first.split('class="poster__facts"')[1]  # not twice
    assert "Marja de Vries" in first
    assert "or call 0345 999999" in _more(second)
    assert "or call" not in third


def _font_points(document, css_class: str) -> float:
    """The type size (pt) of the first element with the class, as laid out on the sheet."""
    for box in document.pages[0]._page_box.descendants():
        element = box.element
        if element is not None and css_class in (element.get("class") or "").split():
            return box.style["font_size"] * 0.75  # CSS px to pt
    raise AssertionError(f"no .{css_class} on the poster")


def test_poster_with_a_photo_keeps_large_type(english, world, laid_out, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(
        organisation=world.organisation,
        title="Koffieochtend",
        description="Een kopje koffie en een praatje, iedere week.",
        contact_phone="0345 123456",
        image_alt="Koffie op tafel",
    )
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "orange").save(buffer, "JPEG")
    activity.image.save("koffie.jpg", ContentFile(buffer.getvalue()))

    response = english.get(_poster_url(activity))

    assert_pdf(response, pages=1)
    assert image_count(response.content) == 1
    [(html, document)] = laid_out  # fitted at once: not shortened, not compact
    assert 'class="print-poster"' in html
    assert 'alt="Koffie op tafel"' in html and "or call 0345 123456" in html
    # Readable from two metres: facts and description in 17pt, the number in 20pt.
    assert _font_points(document, "poster__facts") >= 17
    assert _font_points(document, "poster__description") >= 17
    assert _font_points(document, "poster__phone") >= 20


def test_poster_of_a_single_date_shows_the_date_and_not_a_schedule(english, world, printed):
    activity = make_activity(
        organisation=world.organisation, title="Theater", frequency=Frequency.ONCE
    )
    assert_pdf(english.get(_poster_url(activity)))
    [html] = printed
    assert "Once" not in html
    assert activity.start_date.strftime("%-d %B") in html


def test_poster_of_a_cancelled_activity_says_so(english, world, printed):
    activity = make_activity(organisation=world.organisation, title="Kerstmarkt")
    services.cancel_activity(activity=activity, reason="Te weinig vrijwilligers")
    assert_pdf(english.get(_poster_url(activity)))
    [html] = printed
    assert "Cancelled: Te weinig vrijwilligers" in html


@pytest.mark.parametrize(
    ("role", "status_code"),
    [("anonymous", 404), ("resident", 404), ("outsider", 404), ("editor", 200)],
)
def test_poster_of_a_draft_only_for_who_works_on_it(world, client_for, role, status_code):
    activity = make_activity(organisation=world.organisation, status=Status.DRAFT)
    assert client_for(role).get(_poster_url(activity)).status_code == status_code


def test_poster_of_an_unknown_activity_is_not_found(client, world):
    assert client.get("/activiteiten/bestaat-niet/poster.pdf").status_code == 404


def test_poster_queries_do_not_grow_with_the_activity(
    english, world, django_assert_max_num_queries
):
    activity = make_activity(organisation=world.organisation, frequency=Frequency.DAILY)
    with django_assert_max_num_queries(6):  # savepoints of ATOMIC_REQUESTS included
        assert_pdf(english.get(_poster_url(activity)))
    activity.co_organisers.add(*[OrganisationFactory() for _ in range(5)])
    with django_assert_max_num_queries(6):  # savepoints of ATOMIC_REQUESTS included
        assert_pdf(english.get(_poster_url(activity)))


# Never the network ---------------------------------------------------------------------


def test_print_only_reads_our_own_static_and_media_files(settings, tmp_path):
    settings.SITE_URL = "https://omzien.example.nl"
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "activities").mkdir()
    (tmp_path / "activities" / "foto.jpg").write_bytes(b"jpeg")
    (tmp_path.parent / "geheim.txt").write_text("geheim")
    site = settings.SITE_URL

    assert printing.local_file(f"{site}/static/css/print.css").name == "print.css"
    assert printing.local_file(f"{site}/media/activities/foto.jpg").read_bytes() == b"jpeg"
    for url in [
        "https://elders.example.org/static/css/print.css",
        "http://omzien.example.nl/static/css/print.css",
        f"{site}/media/../geheim.txt",
        f"{site}/media/%2e%2e/geheim.txt",
        f"{site}/static/../../config/settings/base.py",
        f"{site}/admin/",
        "file:///etc/passwd",
    ]:
        assert printing.local_file(url) is None, url
    fetcher = printing.LocalFilesFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("https://elders.example.org/tracker.png")
    assert fetcher.fetch(f"{site}/static/css/print.css").read().startswith(b"/*")
