"""The agenda on an organisation's own website: the embedded page and the page explaining it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Frequency, Status, Theme
from tests.activities.factories import make_activity
from tests.factories import OrganisationFactory

EMBED = reverse("activities:embed_agenda")
SNIPPET = reverse("activities:embed_snippet")


def titles(response) -> list[str]:
    """The activity titles in the embedded list, in order."""
    pattern = r'<h2 class="embed-item__title">\s*<a [^>]*>(?:<span[^>]*>[^<]*</span> )?([^<]+)<'
    return [
        html.unescape(title).strip() for title in re.findall(pattern, response.content.decode())
    ]


@pytest.fixture
def agenda(world):
    """Weekly coffee at the Klokhuis, gym together with a partner, and elsewhere a bike ride."""
    partner = OrganisationFactory(name="Sportclub", slug="sportclub", networks=[world.network])
    coffee = make_activity(organisation=world.organisation, title="Koffie")
    gym = make_activity(
        organisation=partner,
        title="Gym",
        theme=Theme.EXERCISE,
        start_date=timezone.localdate() + timedelta(days=2),
    )
    gym.co_organisers.add(world.organisation)
    make_activity(organisation=partner, title="Voetbal", theme=Theme.EXERCISE)
    make_activity(organisation=world.other_organisation, title="Fietsen", theme=Theme.OUTING)
    make_activity(organisation=world.organisation, title="Concept", status=Status.DRAFT)
    return {"coffee": coffee, "gym": gym, "partner": partner}


def test_embed_can_be_framed_anywhere(client, agenda):
    response = client.get(EMBED, {"organisation": "klokhuis"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    text = response.content.decode()
    assert "<script" not in text
    assert 'style="' not in text
    assert "css/embed.css" in text
    assert "site-header" not in text  # standalone, not the site's page layout
    # Every link opens Omzien in a new tab, safely.
    links = re.findall(r"<a [^>]*>", text)
    assert links
    assert all('target="_blank"' in link and 'rel="noopener"' in link for link in links)
    assert "public" in response["Cache-Control"]


def test_embed_shows_the_organisation_agenda_with_co_organised_dates(client, agenda):
    response = client.get(EMBED, {"organisation": "klokhuis"})
    text = response.content.decode()
    assert '<html lang="nl">' in text
    assert "<h1" in text and "<ol" in text
    shown = titles(response)
    assert set(shown) == {"Koffie", "Gym"}
    assert len(shown) == 10  # the default number of dates
    assert shown[0] == "Koffie"  # tomorrow comes first
    occurrence = agenda["coffee"].occurrences.order_by("starts_at").first()
    assert f'href="http://localhost:8000{occurrence.get_absolute_url()}"' in text
    # The full agenda and the calendar feed of the same selection.
    assert 'href="http://localhost:8000/agenda/?organisation=klokhuis"' in text
    assert 'href="http://localhost:8000/organisaties/klokhuis/agenda.ics"' in text


def test_embed_for_a_network_with_filters(client, agenda):
    shown = titles(client.get(EMBED, {"network": "beesd", "limit": "50"}))
    assert set(shown) == {"Koffie", "Gym", "Voetbal"}
    shown = titles(client.get(EMBED, {"network": "beesd", "theme": "exercise", "limit": "50"}))
    assert set(shown) == {"Gym", "Voetbal"}
    shown = titles(client.get(EMBED, {"limit": "50"}))
    assert set(shown) == {"Koffie", "Gym", "Voetbal", "Fietsen"}
    assert "Concept" not in shown


@pytest.mark.parametrize(
    ("limit", "expected"), [("3", 3), ("50", 50), ("500", 50), ("0", 1), ("veel", 10)]
)
def test_embed_limit(client, world, limit, expected):
    make_activity(organisation=world.organisation, frequency=Frequency.DAILY, count=80)
    assert len(titles(client.get(EMBED, {"limit": limit}))) == expected


def test_embed_looks_and_language(client, agenda):
    text = client.get(EMBED, {"theme_style": "dark"}).content.decode()
    assert 'class="embed embed--dark"' in text
    text = client.get(EMBED, {"theme_style": "<script>"}).content.decode()
    assert 'class="embed embed--light"' in text
    assert "<script" not in text
    response = client.get(EMBED, {"organisation": "klokhuis", "lang": "en"})
    text = response.content.decode()
    assert '<html lang="en">' in text
    assert "Agenda of Het Klokhuis" in text
    assert response["Content-Language"] == "en"
    assert "(opens in a new tab)" in text


def test_embed_marks_cancelled_dates(client, agenda):
    occurrence = agenda["coffee"].occurrences.order_by("starts_at").first()
    services.cancel_occurrence(occurrence=occurrence, reason="Zaal bezet")
    text = client.get(EMBED, {"organisation": "klokhuis", "lang": "en"}).content.decode()
    assert text.count("embed-item--cancelled") == 1
    assert "Cancelled:" in text


def test_embed_of_unknown_or_inactive_organisation(client, world):
    inactive = OrganisationFactory(is_active=False, slug="gestopt")
    make_activity(organisation=inactive)
    for params in (
        {"organisation": "niemand"},
        {"organisation": "gestopt"},
        {"network": "x"},
        {"organisation": "geen slug <b>"},
    ):
        response = client.get(EMBED, params)
        assert response.status_code == 404
        assert "X-Frame-Options" not in response.headers
        assert "embed-item" not in response.content.decode()


def test_embed_runs_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    make_activity(organisation=world.organisation, count=2)
    with django_assert_max_num_queries(6) as small:
        client.get(EMBED, {"organisation": "klokhuis", "theme": "meeting"})
    for n in range(5):
        make_activity(organisation=world.organisation, title=f"Activiteit {n}").co_organisers.add(
            world.wijkteam
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(EMBED, {"organisation": "klokhuis", "limit": "50"})
    assert len(titles(response)) == 50


def test_snippet_page_gives_the_code_to_copy(client, agenda):
    response = client.get(
        SNIPPET, {"organisation": "klokhuis", "theme_style": "dark", "lang": "en"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "site-header" in text  # a normal page of the site
    (code,) = re.findall(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', text, re.S)
    snippet = html.unescape(code)
    assert snippet.startswith('<iframe src="http://localhost:8000/insluiten/?')
    src = html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))
    assert "organisation=klokhuis" in src and "theme_style=dark" in src and "lang=en" in src
    assert 'title="Agenda of Het Klokhuis"' in snippet
    assert 'width="100%" height="600" loading="lazy"></iframe>' in snippet
    # A live preview of the same page, and the feeds to copy.
    assert re.search(r'<iframe src="/insluiten/\?[^"]*organisation=klokhuis', text)
    assert 'value="http://localhost:8000/organisaties/klokhuis/agenda.ics"' in text
    assert 'href="webcal://localhost:8000/organisaties/klokhuis/agenda.ics"' in text
    assert 'value="http://localhost:8000/agenda/nieuw.rss?organisation=klokhuis"' in text
    # The preview really can be framed.
    preview = client.get(html.unescape(re.search(r'<iframe src="([^"]+)"', text).group(1)))
    assert preview.status_code == 200 and "X-Frame-Options" not in preview.headers


def test_snippet_page_carries_agenda_filters_and_reports_bad_choices(client, agenda):
    response = client.get(SNIPPET, {"network": "beesd", "theme": "exercise"})
    text = response.content.decode()
    assert '<input type="hidden" name="theme" value="exercise">' in text
    code = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", text, re.S).group(1))
    src = html.unescape(re.search(r'src="([^"]+)"', code).group(1))
    assert "theme=exercise" in src and "network=beesd" in src
    # Several filters: the agenda feed with the same selection.
    assert 'value="http://localhost:8000/agenda.ics?theme=exercise&amp;network=beesd"' in text

    response = client.get(SNIPPET, {"organisation": "niemand", "limit": "999"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "form-errors" in text
    assert "<textarea" not in text


def test_snippet_page_without_choices_shows_the_whole_agenda(
    client, world, agenda, django_assert_max_num_queries
):
    text = client.get(SNIPPET).content.decode()
    assert 'value="http://localhost:8000/agenda.ics"' in text
    assert "<textarea" in text
    with django_assert_max_num_queries(6) as small:
        client.get(SNIPPET, {"organisation": "klokhuis", "network": "beesd"})
    for n in range(10):
        OrganisationFactory(name=f"Vereniging extra {n}", networks=[world.network])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(SNIPPET, {"organisation": "klokhuis", "network": "beesd"})
    assert response.content.decode().count("Vereniging extra") == 10
