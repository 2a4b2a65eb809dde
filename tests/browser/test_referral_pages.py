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


def test_the_access_log_passes_axe_on_a_phone(world, live_server, page, login, axe_check):
    """A wijkteam lead's review of the access log, filtered, with its errors on show."""
    from allauth.mfa.totp.internal.auth import TOTP

    from network.models import Role
    from referrals import services
    from tests.conftest import TEST_TOTP_SECRET
    from tests.factories import MembershipFactory, UserFactory
    from tests.referrals.factories import send

    referral = send(world)
    services.read_referral(referral_id=referral.pk, by=world.users["wijkteam"])
    lead = MembershipFactory(
        user=UserFactory(email="leider@example.org"),
        role=Role.WIJKTEAM,
        organisation=world.wijkteam,
        is_lead=True,
    ).user
    TOTP.activate(lead, TEST_TOTP_SECRET)
    url = reverse("referrals:log")
    login(page, live_server, lead)
    open_ok(page, live_server.url + url)
    page.get_by_role("heading", name="Logboek van verwijzingen").wait_for()
    assert f"verwijzing {referral.pk}" in page.content()
    axe_check(page)
    assert_no_horizontal_scrolling(page, url)
    page.get_by_label("Handeling").select_option("view")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url("**action=view**")
    axe_check(page)
    bad = url + "?referral=abc&start=gisteren"
    open_ok(page, live_server.url + bad)
    axe_check(page)
    assert_no_horizontal_scrolling(page, bad)
