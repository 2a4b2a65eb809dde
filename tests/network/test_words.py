"""One word for one thing, in "u", also in the texts of django-allauth that our residents read.

allauth's own Dutch says "je" and "aanmelden" for logging in, while "aanmelden" is what
residents do for an activity. locale_overrides/ puts its texts in our words; these tests
read the pages and e-mails as a resident gets them, and check the catalogues themselves.
"""

import gettext
import html
import re
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from activities.models import RegistrationStatus

ROOT = Path(settings.BASE_DIR)
OURS = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.mo"
OVERRIDES = ROOT / "locale_overrides" / "nl" / "LC_MESSAGES" / "django.mo"
ALLAUTH = Path(allauth.__file__).parent / "locale" / "nl" / "LC_MESSAGES" / "django.mo"

INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie)\b", re.IGNORECASE)
#: English that is about logging in or out (not about registering for an activity).
ABOUT_LOGGING_IN = re.compile(
    r"\b(sign(ed|ing)?[ -]?(in|out)|log(ged|ging)?[ -]?(in|out)|login)\b", re.IGNORECASE
)
REGISTER_WORDS = re.compile(r"aan\s?te\s?melden|aanmeld|aangemeld|afmeld|afgemeld", re.IGNORECASE)


def catalogue(path: Path) -> dict:
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def singular_msgids(path: Path) -> list[tuple[str | None, str]]:
    """(context, msgid) of every singular entry in a compiled catalogue."""
    found = []
    for key in catalogue(path):
        if isinstance(key, tuple) or not key:
            continue
        context, _sep, msgid = key.rpartition("\x04")
        found.append((context or None, msgid))
    return found


def dutch(context: str | None, msgid: str) -> str:
    """What a Dutch page shows for the msgid: every catalogue merged, as Django does."""
    with translation.override("nl"):
        return translation.pgettext(context, msgid) if context else translation.gettext(msgid)


def page_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def flash_text(response) -> str:
    """The flash messages on a page (allauth's "you are logged in", ...)."""
    body = response.content.decode()
    found = re.search(r'(?s)<div class="messages"[^>]*>(.*?)</div>', body)
    assert found, "no message on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def assert_our_words(text: str, where: str) -> None:
    assert not INFORMAL.search(text), f"{where} says {INFORMAL.search(text).group(0)!r}: {text}"
    assert not REGISTER_WORDS.search(text), (
        f"{where} uses {REGISTER_WORDS.search(text).group(0)!r} for logging in: {text}"
    )


# The catalogues -------------------------------------------------------------------------


def visible_msgids() -> list[tuple[str | None, str]]:
    """Ours and the allauth texts we override: allauth's others (social accounts, security
    keys, sessions) belong to parts we do not install; the page tests below cover that."""
    everything = set(singular_msgids(OURS) + singular_msgids(OVERRIDES))
    return sorted(everything, key=lambda key: (key[0] or "", key[1]))


def allauth_msgids() -> list[tuple[str | None, str]]:
    return singular_msgids(ALLAUTH)


def test_logging_in_is_inloggen_never_aanmelden():
    about_logging_in = [key for key in visible_msgids() if ABOUT_LOGGING_IN.search(key[1])]
    assert len(about_logging_in) > 20  # ours and allauth's: the check reads real entries
    wrong = {}
    for context, msgid in about_logging_in:
        text = dutch(context, msgid)
        # The login field's label is "E-mailadres": our login is the e-mail address.
        names_it = context == "field label" or re.search(
            r"inlog|ingelogd|in te loggen|log\w* .*in\b|uitlog|uitgelogd", text, re.I
        )
        also_about_registering = "regist" in msgid.lower()
        if not names_it or (REGISTER_WORDS.search(text) and not also_about_registering):
            wrong[msgid] = text
    assert wrong == {}


def test_the_overrides_speak_our_words_and_all_still_exist_in_allauth_or_django():
    overridden = singular_msgids(OVERRIDES)
    assert len(overridden) > 200
    known = set(allauth_msgids()) | {(None, "Code")}  # shared with our own catalogue
    plurals = [key for key in catalogue(OVERRIDES) if isinstance(key, tuple)]
    assert plurals  # the password and recovery-code counts
    for context, msgid in overridden:
        text = dutch(context, msgid)
        assert not INFORMAL.search(text), (msgid, text)
        assert "aanmeld" not in text.lower() and "afmeld" not in text.lower(), (msgid, text)
        # An override of a text allauth no longer has would hide that the new one is "je".
        assert (context, msgid) in known, f"allauth no longer has {msgid!r}"


def test_our_own_dutch_says_u():
    informal = {
        msgid: dutch(context, msgid)
        for context, msgid in singular_msgids(OURS)
        if INFORMAL.search(dutch(context, msgid))
    }
    assert informal == {}


def test_where_our_catalogue_and_the_overrides_share_a_msgid_they_agree():
    ours, overrides = catalogue(OURS), catalogue(OVERRIDES)
    shared = set(ours) & set(overrides) - {""}
    assert shared  # "Cancel" at least: leaving a form is "Terug" everywhere
    assert {key: (ours[key], overrides[key]) for key in shared if ours[key] != overrides[key]} == {}
    assert dutch(None, "Cancel") == "Terug"


#: What a resident reads about their own withdrawal: never the organiser's "afgelast".
WITHDRAWAL = [
    "withdrawn",
    "Withdraw",
    "Withdraw?",
    "Withdraw from %(title)s?",
    "Yes, withdraw",
    "You have withdrawn. Thank you for letting us know.",
    "You had already withdrawn this registration.",
    "You have withdrawn from %(title)s on this date.",
    "Please withdraw, so someone else can have your place.",
    "Can you not come after all? Please withdraw, so someone else can have your place:",
    "Can you no longer come? Please withdraw, so someone else can have your place:",
    "Keep this page's address to yourself: whoever has it can withdraw this registration.",
    "We send you a link to see or cancel your registration.",
    "You are already registered for this date. The e-mail we sent you has a link to see "
    "your registration or to withdraw.",
]


@pytest.mark.parametrize("msgid", WITHDRAWAL)
def test_a_residents_withdrawal_is_afmelden_never_afgelast(msgid):
    text = dutch(None, msgid)
    assert text != msgid, f"{msgid!r} has no Dutch"
    assert "afgelast" not in text.lower() and "annule" not in text.lower(), text
    assert re.search(r"afmeld|afgemeld|meld u .*af|af te melden", text, re.IGNORECASE), text


def test_the_status_of_a_withdrawn_registration_reads_afgemeld():
    with translation.override("nl"):
        assert str(RegistrationStatus.CANCELLED.label) == "afgemeld"
        assert str(RegistrationStatus.CONFIRMED.label) == "aangemeld"
    with translation.override("en"):
        assert str(RegistrationStatus.CANCELLED.label) == "withdrawn"


def test_organisers_call_off_and_forms_are_left_with_terug():
    assert dutch(None, "Call off") == "Afgelasten"
    assert dutch(None, "Cancel this date") == "Deze datum afgelasten"
    assert dutch(None, "Go back") == "Terug"
    assert dutch(None, "No, go back") == "Nee, terug"


# The pages and e-mails, as a resident gets them ---------------------------------------------


def test_login_signup_and_logout_pages_in_our_words(world, client, password):
    login = page_text(client.get(reverse("account_login")))
    assert "Inloggen Heeft u nog geen account? Maak dan eerst een account" in login
    assert_our_words(login, "the login page")
    signup = page_text(client.get(reverse("account_signup")))
    assert "Account maken Heeft u al een account? Log dan in" in signup
    assert_our_words(signup, "the signup page")
    wrong = page_text(client.post(reverse("account_login"), {"login": "x@y.nl", "password": "z"}))
    assert "Het e-mailadres of het wachtwoord klopt niet." in wrong

    response = client.post(
        reverse("account_login"), {"login": "bewoner@example.org", "password": password}
    )
    flash = flash_text(client.get(response.url))
    assert flash.startswith("U bent ingelogd als")
    assert_our_words(flash, "the page after logging in")
    logout = page_text(client.get(reverse("account_logout")))
    assert "Wilt u uitloggen?" in logout
    assert_our_words(logout, "the logout page")
    response = client.post(reverse("account_logout"))
    assert flash_text(client.get(response.url)) == "U bent uitgelogd."


def test_signup_confirmation_and_password_reset_in_our_words(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("account_signup"),
            {"email": "ida@example.org", "password1": "kort", "password2": "kort"},
        )
    text = page_text(sent)
    assert "Dit wachtwoord is te kort. Het moet minstens 8 tekens lang zijn." in text
    assert_our_words(text, "the signup form's errors")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("account_signup"),
            {
                "email": "ida@example.org",
                "password1": "fietsen langs de linge",
                "password2": "fietsen langs de linge",
            },
            follow=True,
        )
    text = page_text(sent)
    assert "Bevestig uw e-mailadres" in text
    assert_our_words(text, "the page after signing up")
    for page in ("account_reset_password", "account_reset_password_done"):
        text = page_text(client.get(reverse(page)))
        assert_our_words(text, page)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "bewoner@example.org"})
        client.post(reverse("account_reset_password"), {"email": "niemand@example.org"})
    confirm, reset, unknown = mail.outbox
    assert confirm.subject == "[Omzien] Bevestig uw e-mailadres"
    assert reset.subject == "[Omzien] Een nieuw wachtwoord kiezen"
    assert "Onbekend account" in unknown.subject
    for message in (confirm, reset, unknown):
        assert_our_words(message.subject + " " + message.body, f"the e-mail {message.subject!r}")
    broken = page_text(client.get("/account/password/reset/key/x-y/"))
    assert "Deze link werkt niet" in broken
    assert_our_words(broken, "a broken reset link")


def test_password_change_and_two_step_pages_in_our_words(world, client, password):
    client.post(reverse("account_login"), {"login": "bewoner@example.org", "password": password})
    for name in ("account_change_password", "mfa_index", "account_reauthenticate"):
        text = page_text(client.get(reverse(name)))
        assert_our_words(text, name)
    assert "Inloggen in twee stappen" in page_text(client.get(reverse("mfa_index")))
    client.post(reverse("account_reauthenticate"), {"password": password})
    activate = page_text(client.get(reverse("mfa_activate_totp")))
    assert "Authenticator-app koppelen" in activate
    assert_our_words(activate, "setting up the authenticator app")
    codes = page_text(client.get(reverse("mfa_generate_recovery_codes")))
    assert "Weet u het zeker?" in codes
    assert_our_words(codes, "recovery codes")


def test_two_step_login_in_our_words(world, client, password):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    client.post(
        reverse("account_login"), {"login": "coordinator@example.org", "password": password}
    )
    client.post(reverse("account_reauthenticate"), {"password": password})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    done = client.post(reverse("mfa_activate_totp"), {"code": code}, follow=True)
    assert_our_words(page_text(done), "the page after turning on two steps")
    recovery = page_text(client.get(reverse("mfa_view_recovery_codes")))
    assert_our_words(recovery, "the recovery codes")
    client.post(reverse("account_logout"))
    response = client.post(
        reverse("account_login"), {"login": "coordinator@example.org", "password": password}
    )
    second = page_text(client.get(response.url))
    assert "Vul de code in die uw authenticator-app nu laat zien" in second
    assert_our_words(second, "the second step")


def test_the_home_headline_and_the_poster_ask_komt_u_ook(world, client):
    assert "We doen samen leuke dingen. Komt u ook?" in page_text(client.get("/"))
    assert dutch(None, "Will you join us?") == "Komt u ook?"
