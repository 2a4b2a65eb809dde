"""The overview pages and their downloads: figures right on constructed data, small
numbers hidden on the page and in the CSV, the role matrix, another municipality's staff
get a 404, a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from network.models import Role
from overviews import summary
from tests.activities.factories import make_activity
from tests.attendance.factories import ParticipantFactory
from tests.conftest import ROLE_NAMES
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.overviews.factories import YEAR, came, held_on, make_scene

ALL = set(ROLE_NAMES) | {"outsider"}
ALLOWED = {"municipality", "superuser"}


@pytest.fixture
def scene(world):
    return make_scene(world)


def _args(world, kind: str) -> list[str]:
    """The address arguments of the municipality's, the network's or the organisation's overview."""
    place = world.municipality.slug
    return {
        "municipality": [place],
        "network": [place, world.network.slug],
        "organisation": [place, world.organisation.slug],
    }[kind]


def url(world, kind: str = "municipality", query: str = f"jaar={YEAR}&deel=jaar&vergelijk=vorige"):
    return f"{reverse(f'overviews:{kind}', args=_args(world, kind))}?{query}"


def csv_url(world, table: str, kind: str = "municipality") -> str:
    address = reverse(f"overviews:{kind}_csv", args=[*_args(world, kind), table])
    return f"{address}?jaar={YEAR}&deel=jaar&vergelijk=vorige"


def pdf_url(world, kind: str = "municipality") -> str:
    return reverse(f"overviews:{kind}_pdf", args=_args(world, kind))


def texts(table) -> dict[str, list[str]]:
    rows = {row.key or row.label: [str(f) for f in row.figures] for row in table.rows}
    if table.total:
        rows["Totaal"] = [str(f) for f in table.total.figures]
    return rows


@pytest.mark.parametrize("kind", ["municipality", "network", "organisation"])
def test_figures_on_constructed_data(world, scene, client_for, kind):
    response = client_for("municipality").get(url(world, kind))
    assert response.status_code == 200
    overview = response.context["overview"]
    headline = texts(overview.headline)
    # Dates are no people: never hidden.
    assert headline["dates"] == ["3", "1", "2"]
    # Attendance rows (6 + 5 + 3) and two others counted at the door; the year before: 6.
    assert headline["participations"] == ["16", "6", "10"]
    assert headline["participants"] == ["7", "6", "1"]
    assert headline["volunteers"] == ["6", "<5", "×"]
    assert headline["help"] == ["<5", "<5", "×"]
    per_month = texts(overview.table("deelnames-per-maand"))
    assert per_month[f"maart {YEAR}"] == ["13", "6", "7"]
    assert per_month[f"april {YEAR}"] == ["<5", "<5", "×"]
    # Two small months in one column: the next smallest (March, 13) is not needed, the
    # two small ones (April 3, others 0) protect each other; the total stays.
    assert per_month["Totaal"] == ["16", "6", "10"]
    themes = texts(overview.table("data-per-thema"))
    assert themes["bewegen en sport"][0] == "3"
    reach = texts(overview.table("bereik-per-plaats"))
    assert reach["Beesd"] == ["6", "6", "0", "600", "1,0"]
    assert reach["Rumpt"][:3] == ["<5", "<5", "×"]
    assert reach["Rumpt"][3] == "niet bekend"
    hours = texts(overview.table("uren-per-organisatie"))
    assert hours["Het Klokhuis"][0] == "12"
    assert "Club Elders" not in texts(overview.table("data-per-organisatie"))


def test_same_period_last_year_and_a_quarter(world, scene, client_for):
    client = client_for("municipality")
    response = client.get(url(world, query=f"jaar={YEAR}&deel=k1&vergelijk=vorig-jaar"))
    headline = texts(response.context["overview"].headline)
    # January to March: the two March dates, against March of the year before.
    assert headline["dates"] == ["2", "1", "1"]
    assert headline["participations"] == ["13", "6", "7"]
    response = client.get(url(world, query=f"jaar={YEAR}&deel=m4&vergelijk=vorige"))
    headline = texts(response.context["overview"].headline)
    assert headline["dates"] == ["1", "2", "-1"]
    assert headline["participations"] == ["<5", "13", "×"]


def test_unknown_period_shows_the_current_year(world, scene, client_for):
    response = client_for("municipality").get(url(world, query="jaar=1066&deel=x&vergelijk=y"))
    assert response.status_code == 200
    assert response.context["overview"].period.year == timezone.localdate().year
    assert "Deze periode bestaat niet" in response.content.decode()


def test_small_numbers_are_hidden_on_the_page_and_in_the_csv(world, scene, client_for):
    client = client_for("municipality")
    page = client.get(url(world)).content.decode()
    assert "&lt;5" in page
    response = client.get(csv_url(world, "bereik-per-plaats"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    lines = body.splitlines()
    assert "Rumpt;<5;<5;×;niet bekend;–" in lines
    assert "Beesd;6;6;0;600;1,0" in lines
    # No hidden figure appears anywhere in the download.
    assert "Rumpt;1" not in body
    headline = client.get(csv_url(world, "kerncijfers")).content.decode("utf-8-sig")
    assert "Hulpvragen;<5;<5;×" in headline.splitlines()


def test_every_table_downloads(world, scene, client_for):
    client = client_for("municipality")
    overview = client.get(url(world)).context["overview"]
    for table in [overview.headline, *overview.tables]:
        assert client.get(csv_url(world, table.key)).status_code == 200, table.key
    assert client.get(csv_url(world, "bestaat-niet")).status_code == 404


def test_the_page_holds_a_chart_and_its_table_and_a_link_from_the_start_page(
    world, scene, client_for
):
    client = client_for("municipality")
    page = client.get(url(world)).content.decode()
    assert 'role="img"' in page and "<title" in page and "<desc" in page and "<caption" in page
    start = client.get(reverse("network:start")).content.decode()
    assert reverse("overviews:municipality", args=[world.municipality.slug]) in start


# Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ALL))
def test_role_matrix(world, client_for, role):
    client = client_for(role)
    for kind in ("municipality", "network", "organisation"):
        for address in (
            url(world, kind),
            csv_url(world, "kerncijfers", kind),
            pdf_url(world, kind),
            reverse(f"overviews:{kind}_xlsx", args=[*_args(world, kind), "kerncijfers"]),
            reverse(f"overviews:{kind}_workbook", args=_args(world, kind)),
        ):
            response = client.get(address)
            if role in ALLOWED:
                assert response.status_code == 200, (role, address)
            elif role == "anonymous":
                assert response.status_code == 302, (role, address)
                assert response.url.startswith(reverse("account_login"))
            else:
                assert response.status_code == 404, (role, address, response.status_code)


def test_staff_of_another_municipality_get_404(world, client):
    elsewhere_org = OrganisationFactory(municipality=world.other_network.municipality)
    staff = MembershipFactory(
        user=UserFactory(), role=Role.MUNICIPALITY, organisation=elsewhere_org
    ).user
    client.force_login(staff)
    for kind in ("municipality", "network", "organisation"):
        assert client.get(url(world, kind)).status_code == 404
        assert client.get(csv_url(world, "kerncijfers", kind)).status_code == 404
    # Their own municipality works, but a network of ours through their address does not.
    theirs = world.other_network.municipality.slug
    assert client.get(reverse("overviews:municipality", args=[theirs])).status_code == 200
    ours_through_theirs = reverse("overviews:network", args=[theirs, world.network.slug])
    assert client.get(ours_through_theirs).status_code == 404
    foreign_org = reverse("overviews:organisation", args=[theirs, world.organisation.slug])
    assert client.get(foreign_org).status_code == 404


# Queries --------------------------------------------------------------------------------


def _more(world, scene, n: int) -> None:
    for index in range(n):
        organisation = OrganisationFactory(
            municipality=world.municipality, networks=[world.network]
        )
        activity = make_activity(
            organisation=organisation, start_date=timezone.localdate() + timedelta(days=400)
        )
        people = [
            ParticipantFactory(organisation=organisation, area=scene["beesd"]) for _ in range(3)
        ]
        came(people, held_on(activity, date(YEAR, 2, 1 + index)))


@pytest.mark.parametrize("extra", [0, 8])
def test_constant_queries(world, scene, client_for, django_assert_max_num_queries, extra):
    _more(world, scene, extra)
    summary.refresh(full=True)
    client = client_for("municipality")
    # From the summaries: their state once, and once more after the counts (a refresh
    # that committed in between makes it count again); dates and participations per
    # month and per activity in two queries each; on PostgreSQL a planner setting; and
    # the referrals, counted live (overviews/referral_figures.py).
    with django_assert_max_num_queries(30):
        assert client.get(url(world)).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(url(world, "network")).status_code == 200


# The public page ---------------------------------------------------------------------------


def test_public_year_page_shows_suppressed_key_figures(world, scene, client):
    response = client.get(reverse("overviews:network_year", args=[world.network.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Samen gedaan" in page or "samen" in page.lower()
    keys = [row.key for row in response.context["headline"].rows]
    assert "signals" not in keys and "participations" in keys
    for row in response.context["headline"].rows:
        for figure in row.figures:
            value = getattr(figure, "value", None)
            assert value is None or value >= 5 or row.key == "dates" or figure.hidden == ""
    assert 'role="img"' in page
    detail = client.get(world.network.get_absolute_url()).content.decode()
    assert reverse("overviews:network_year", args=[world.network.slug]) in detail


def test_printable_report(world, scene, client_for):
    client = client_for("municipality")
    page = client.get(url(world)).content.decode()
    assert pdf_url(world) in page
    response = client.get(pdf_url(world) + f"?jaar={YEAR}&deel=jaar&vergelijk=vorige")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_columns_are_headed_by_short_periods(world, scene, client_for):
    client = client_for("municipality")
    overview = client.get(url(world, query=f"jaar={YEAR}&deel=k2&vergelijk=vorige")).context[
        "overview"
    ]
    assert overview.headline.columns[:2] == [f"kwartaal 2 {YEAR}", f"kwartaal 1 {YEAR}"]
    overview = client.get(url(world, query=f"jaar={YEAR}&deel=m1&vergelijk=vorige")).context[
        "overview"
    ]
    assert overview.headline.columns[:2] == [f"januari {YEAR}", f"december {YEAR - 1}"]
    overview = client.get(url(world)).context["overview"]
    assert overview.headline.columns[:2] == [str(YEAR), str(YEAR - 1)]
