"""The agenda in a real browser: axe-core on every page of issue 4 (resident, editor and
network administrator pages), at phone and desktop width without sideways scrolling."""

from datetime import time

import pytest

from activities.models import Frequency, Status
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import open_ok

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(world):
    """A few activities like Beesd's: a monthly meeting, weekly gym, a trip to register for."""
    world.organisation.is_trusted = True
    world.organisation.save(update_fields=["is_trusted"])
    place = PlaceFactory(name="Het Klokhuis", slug="het-klokhuis", municipality=world.municipality)
    room = RoomFactory(place=place, name="Grote zaal")
    meeting = make_activity(
        organisation=world.organisation,
        title="Beesd ontmoet elkaar",
        frequency=Frequency.WEEKLY,
        place=place,
        room=room,
        wheelchair_accessible=True,
        description="Koffie, een praatje en af en toe een voorstelling.",
    )
    trip = make_activity(
        organisation=world.organisation,
        title="Uitje met de bus",
        frequency=Frequency.ONCE,
        start_time=time(9, 30),
        end_time=time(16, 0),
        registration_required=True,
        capacity=8,
        place=place,
    )
    make_activity(organisation=world.organisation, title="Nog niet klaar", status=Status.DRAFT)
    return {"meeting": meeting, "trip": trip, "place": place}


def _date_url(activity) -> str:
    return activity.occurrences.order_by("starts_at").first().get_absolute_url()


RESIDENT_PAGES = {
    "agenda": lambda a: "/agenda/",
    "agenda filtered": lambda a: "/agenda/?when=week&wheelchair=on&theme=meeting",
    "agenda bad filter": lambda a: "/agenda/?theme=nonsense&start=0001-01-01",
    "week": lambda a: "/agenda/week/",
    "month": lambda a: "/agenda/maand/",
    "activity": lambda a: a["meeting"].get_absolute_url(),
    "date": lambda a: _date_url(a["meeting"]),
    "register": lambda a: _date_url(a["trip"]) + "aanmelden/",
    "embed code": lambda a: "/insluiten/code/?organisation=klokhuis",
    "embed": lambda a: "/insluiten/?organisation=klokhuis",
}


@pytest.mark.parametrize("name", sorted(RESIDENT_PAGES))
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_resident_pages(agenda, live_server, new_page, axe_check, name, viewport):
    page = new_page(viewport=viewport)
    open_ok(page, live_server.url + RESIDENT_PAGES[name](agenda))
    axe_check(page)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{name} scrolls sideways: {width} > {inner}"


EDITOR_PAGES = {
    "my activities": lambda a: "/mijn-activiteiten/",
    "new activity": lambda a: "/organisaties/klokhuis/activiteiten/nieuw/",
    "edit activity": lambda a: f"/activiteiten/{a['meeting'].slug}/bewerken/",
    "dates": lambda a: f"/activiteiten/{a['meeting'].slug}/data/",
    "registrations": lambda a: f"/activiteiten/{a['trip'].slug}/aanmeldingen/",
    "connected calendars": lambda a: "/organisaties/klokhuis/agenda-koppelen/",
}


@pytest.mark.parametrize("name", sorted(EDITOR_PAGES))
def test_editor_pages(world, agenda, live_server, page, login, axe_check, name):
    login(page, live_server, world.users["editor"])
    open_ok(page, live_server.url + EDITOR_PAGES[name](agenda))
    axe_check(page)


def test_editor_form_error_state(world, agenda, live_server, page, login, axe_check):
    login(page, live_server, world.users["editor"])
    open_ok(page, live_server.url + "/organisaties/klokhuis/activiteiten/nieuw/")
    page.locator("form.form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() > 0
    axe_check(page)


ADMIN_PAGES = ["/beheer/beesd/activiteiten/", "/beheer/beesd/plaatsen/"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_network_admin_agenda_pages(world, agenda, live_server, page, login, axe_check, path):
    login(page, live_server, world.users["network_admin"])
    open_ok(page, live_server.url + path)
    axe_check(page)
