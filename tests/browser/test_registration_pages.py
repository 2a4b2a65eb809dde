"""Registering in a real browser at phone width, in Dutch, with axe-core on every new page:
a resident's own registrations, withdrawing (asked first, without JavaScript), a code for
whoever registered by telephone, and an organiser entering a registration for a caller."""

import re

import pytest
from playwright.sync_api import expect

from activities.models import Registration, RegistrationStatus
from tests.activities.factories import PlaceFactory, make_activity
from tests.browser.test_accessibility import assert_no_horizontal_scrolling, open_ok

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def occurrence(world):
    world.organisation.phone = "0345 111111"
    world.organisation.save()
    activity = make_activity(
        organisation=world.organisation,
        title="Bloemschikken",
        place=PlaceFactory(name="Dorpshuis De Schakel", municipality=world.municipality),
        registration_required=True,
        capacity=4,
    )
    return activity.occurrences.order_by("starts_at").first()


def test_my_registrations(world, occurrence, live_server, page, login, axe_check):
    resident = world.users["resident"]
    Registration.objects.create(
        occurrence=occurrence,
        name="Truus",
        email=resident.email,
        user=resident,
        party_size=2,
        status=RegistrationStatus.CONFIRMED,
    )
    login(page, live_server, resident)
    page.get_by_role("link", name="Naar mijn aanmeldingen").click()
    page.wait_for_url("**/mijn-aanmeldingen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn aanmeldingen")
    expect(page.get_by_role("link", name="Bloemschikken", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Afmelden"))).to_be_visible()
    axe_check(page)
    assert_no_horizontal_scrolling(page, "my registrations")


def test_withdrawing_asks_first_and_works_without_javascript(
    world, occurrence, live_server, new_page, axe_check
):
    registration = Registration.objects.create(
        occurrence=occurrence, name="Truus", email="truus@example.org", status="confirmed"
    )
    manage = f"{live_server.url}/aanmelding/{registration.token}/"
    # axe-core runs as JavaScript: it checks the same pages in a page that has it.
    checker = new_page()
    for url in (manage, manage + "afmelden/"):
        open_ok(checker, url)
        axe_check(checker)
        assert_no_horizontal_scrolling(checker, url)

    page = new_page(java_script_enabled=False)
    open_ok(page, manage)
    page.get_by_role("link", name="Afmelden").click()
    page.wait_for_url("**/afmelden/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Afmelden voor Bloemschikken?")
    expect(page.get_by_role("link", name="Nee, terug")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, afmelden").click()
    expect(page.locator(".message--success")).to_have_text(
        "U bent afgemeld. Bedankt dat u het liet weten."
    )
    expect(page.locator("main")).to_contain_text("Afgemeld")
    expect(page.locator("main")).not_to_contain_text("fgelast")
    expect(page.get_by_role("link", name="Opnieuw aanmelden")).to_be_visible()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    open_ok(checker, manage)  # withdrawn, with the link to register again
    axe_check(checker)


def test_registering_by_telephone_shows_the_code(world, occurrence, live_server, page, axe_check):
    open_ok(page, f"{live_server.url}{occurrence.get_absolute_url()}aanmelden/")
    page.get_by_label("Uw naam").fill("Truus de Boer")
    page.get_by_label("Telefoonnummer").fill("0612345678")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    code = Registration.objects.get().reference
    expect(page.locator(".reference__code")).to_have_text(code)
    expect(page.locator("main")).to_contain_text("Bel dan Het Klokhuis op 0345 111111")
    axe_check(page)
    assert_no_horizontal_scrolling(page, "the registration with its code")


def test_an_organiser_enters_a_registration_for_someone_who_phoned(
    world, occurrence, live_server, page, login, axe_check
):
    login(page, live_server, world.users["coordinator"])
    open_ok(page, f"{live_server.url}/activiteiten/bloemschikken/aanmeldingen/")
    axe_check(page)
    page.get_by_role(
        "link", name=re.compile("Aanmelding invoeren voor iemand die belde")
    ).first.click()
    page.wait_for_url("**/aanmeldingen/nieuw/")
    axe_check(page)
    assert_no_horizontal_scrolling(page, "entering a registration")
    # Sent empty: the errors are announced and the fields marked.
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    expect(page.locator("input[name=phone]")).to_have_attribute("aria-invalid", "true")
    axe_check(page)
    page.get_by_label("Naam").fill("Truus de Boer")
    page.get_by_label("Telefoonnummer").fill("0345 123456")
    page.get_by_label("Aantal personen").select_option("2")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    registration = Registration.objects.get()
    assert registration.entered_by == world.users["coordinator"]
    expect(page.locator(".message--success")).to_contain_text(registration.reference)
    expect(page.locator("tbody")).to_contain_text("Truus de Boer")
    axe_check(page)
    assert_no_horizontal_scrolling(page, "the registrations list")


def test_accepting_an_invitation_logs_in_at_once(world, live_server, page, axe_check):
    """The invitation's page keeps its address from other sites; its own form still posts
    (a browser sends "Origin: null" under a no-referrer policy, which CSRF refuses)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    from network.models import Membership, User

    user = User.objects.create_user(email="truus@example.org", password=None)
    Membership.objects.create(user=user, role="volunteer", organisation=world.organisation)
    key = default_token_generator.make_token(user)
    open_ok(page, f"{live_server.url}/uitnodiging/{user_pk_to_url_str(user)}/{key}/")
    axe_check(page)
    page.get_by_label("Uw naam").fill("Truus de Boer")
    page.locator("input[name=new_password1]").fill("fietsen langs de linge")
    page.locator("input[name=new_password2]").fill("fietsen langs de linge")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url == f"{live_server.url}/start/"
    expect(page.locator(".message--success")).to_contain_text("Welkom, Truus.")
    axe_check(page)
