"""The page of a connected calendar in a real browser, with the notes of its last import:
axe-core at phone and desktop width, without sideways scrolling."""

import pytest

from activities.importing.problems import note
from activities.models import CalendarFeed
from tests.activities.factories import make_activity
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import open_ok

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_feed_page_with_notes(world, new_page, live_server, login, axe_check, viewport):
    feed = CalendarFeed.objects.create(
        organisation=world.organisation,
        url="https://calendar.example.org/een-heel-lang-adres-van-een-agenda/basic.ics",
        report={
            "notes": [
                note(
                    "Two events in the calendar have the same code (UID): “%(title)s” and "
                    "“%(other)s”. We took over only the first; check the second in your "
                    "calendar program.",
                    title="Bingo",
                    other="Kaarten",
                ),
                note(
                    "“%(title)s” repeats on a date that never comes (such as 30 February). It "
                    "is not imported.",
                    title="Nooit",
                ),
            ]
        },
    )
    activity = make_activity(organisation=world.organisation, title="Koffieochtend")
    activity.imported_from, activity.external_uid = feed, "koffie@x"
    activity.save(update_fields=["imported_from", "external_uid"])
    page = new_page(viewport=viewport)
    login(page, live_server, world.users["editor"])
    open_ok(
        page, f"{live_server.url}/organisaties/{world.organisation.slug}/agenda-koppelen/{feed.pk}/"
    )
    assert "30 februari" in page.content()
    axe_check(page)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"scrolls sideways: {width} > {inner}"
