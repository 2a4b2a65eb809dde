"""The referral pages in a real browser at phone width, with axe-core: the coordinator's
form (also with its mistakes), sending it, and the referral as the team sees it."""

import pytest
from django.urls import reverse

from referrals.models import Referral
from tests.attendance.factories import ParticipantFactory
from tests.browser.test_accessibility import assert_no_horizontal_scrolling, open_ok
from tests.referrals.conftest import with_second_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _second_step(world) -> None:
    with_second_step(world)


def test_the_referral_form_and_page_pass_axe_on_a_phone(
    world, live_server, page, new_page, login, axe_check
):
    participant = ParticipantFactory(
        organisation=world.organisation, name="Henk Bouwman", phone="0345-1"
    )
    url = reverse("referrals:new", args=[world.organisation.slug]) + f"?deelnemer={participant.pk}"
    login(page, live_server, world.users["coordinator"])
    open_ok(page, live_server.url + url)
    axe_check(page)
    assert_no_horizontal_scrolling(page, url)
    # Mistakes on show: nothing chosen.
    page.get_by_role("button", name="Verstuur de verwijzing").click()
    page.locator(".form-errors").wait_for()
    axe_check(page)
    page.get_by_label("eenzaamheid").check()
    page.get_by_label("Hoe gaf de inwoner toestemming?").select_option("verbal")
    page.get_by_role("button", name="Verstuur de verwijzing").click()
    page.get_by_role("heading", name="Verwijzing").wait_for()
    referral = Referral.objects.get()
    assert referral.participant == participant
    axe_check(page)
    detail = reverse("referrals:detail", args=[referral.pk])
    page = new_page()  # the team member in a browser of their own
    login(page, live_server, world.users["wijkteam"])
    open_ok(page, live_server.url + detail)
    assert "Henk Bouwman" in page.content()
    axe_check(page)
    assert_no_horizontal_scrolling(page, detail)
    # Declining: the step opens without JavaScript (<details>), asks a reason.
    page.get_by_text("Afwijzen").first.click()
    axe_check(page)
    page.locator("#reason-decline").select_option("already_known")
    page.get_by_role("button", name="Afwijzen").click()
    page.get_by_text("Opgeslagen.").wait_for()
    referral.refresh_from_db()
    assert referral.status == "declined"
    for url in (reverse("referrals:list"), detail):
        open_ok(page, live_server.url + url)
        axe_check(page)
        assert_no_horizontal_scrolling(page, url)
