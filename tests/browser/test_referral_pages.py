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


def test_from_the_inbox_to_a_sent_referral_on_a_phone(world, live_server, page, login, axe_check):
    """The issue's two minutes: from a "not seen lately" card to a sent referral. The
    coordinator taps the link, ticks what it is about and how the resident agreed, and
    sends: name, contact, village, team, consent date and who agreed are filled in. Four
    taps and one choice after the inbox (counted below), timed in the browser."""
    import time
    from datetime import timedelta

    from django.utils import timezone

    from attendance.models import Signal

    henk = ParticipantFactory(organisation=world.organisation, name="Henk Bouwman", phone="0345-1")
    Signal.objects.create(
        participant=henk,
        last_seen=timezone.localdate() - timedelta(days=30),
        missed=3,
        usual_gap=1,
        raised_at=timezone.now(),
    )
    inbox = reverse("attendance:signals", args=[world.organisation.slug])
    login(page, live_server, world.users["coordinator"])
    open_ok(page, live_server.url + inbox)
    axe_check(page)
    started = time.monotonic()
    taps = 0
    page.get_by_role("link", name="Verwijzen naar het wijkteam (Henk Bouwman)").click()
    taps += 1
    page.get_by_role("heading", name="Verwijzen naar het wijkteam").wait_for()
    axe_check(page)
    assert_no_horizontal_scrolling(page, page.url.removeprefix(live_server.url))
    assert page.get_by_label("Naam van de inwoner").input_value() == "Henk Bouwman"
    page.get_by_label("eenzaamheid").check()
    taps += 1
    page.get_by_label("Hoe gaf de inwoner toestemming?").select_option("verbal")
    taps += 2  # open the list, choose
    page.get_by_role("button", name="Verstuur de verwijzing").click()
    taps += 1
    page.get_by_role("heading", name="Verwijzing").wait_for()
    elapsed = time.monotonic() - started
    referral = Referral.objects.get()
    assert referral.participant == henk and referral.team == world.wijkteam
    assert referral.free_text == ""  # nothing copied from the signal
    assert taps <= 5 and elapsed < 30, (taps, elapsed)
    axe_check(page)


def test_the_right_of_access_document_passes_axe_on_a_phone(
    world, live_server, page, login, axe_check
):
    from tests.referrals.factories import send

    henk = ParticipantFactory(organisation=world.organisation, name="Henk Bouwman", phone="0345-1")
    send(world, participant=henk)
    url = reverse("referrals:access_document", args=[world.organisation.slug, henk.pk])
    login(page, live_server, world.users["coordinator"])
    open_ok(page, live_server.url + url)
    assert "Henk Bouwman" in page.content()
    axe_check(page)
    assert_no_horizontal_scrolling(page, url)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
