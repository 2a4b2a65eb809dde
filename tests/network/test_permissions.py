"""The role table of SPEC.md as a matrix: every role against every helper and every URL.

Roles that must NOT get in are listed as explicitly as those that may.
"""

import pytest
from django.urls import reverse

from network import permissions
from tests.conftest import ROLE_NAMES

ALL = set(ROLE_NAMES) | {"outsider"}


def _user(world, role):
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if role == "anonymous" else world.users[role]


# helper name -> (the object it is asked about, the roles that may)
HELPER_MATRIX = {
    "manage_network": (lambda w: w.network, {"network_admin", "superuser"}),
    "manage_organisation": (lambda w: w.organisation, {"network_admin", "superuser"}),
    "edit_organisation": (lambda w: w.organisation, {"editor", "network_admin", "superuser"}),
    "manage_activities": (lambda w: w.organisation, {"editor", "coordinator"}),
    "view_task_signups": (lambda w: w.organisation, {"editor", "coordinator"}),
    "record_attendance": (lambda w: w.organisation, {"coordinator"}),
    "send_referral": (lambda w: w.organisation, {"coordinator"}),
    "handle_referrals": (lambda w: w.wijkteam, {"wijkteam"}),
    "view_overviews": (lambda w: w.network, {"municipality", "superuser"}),
}


@pytest.mark.parametrize("helper", sorted(HELPER_MATRIX))
@pytest.mark.parametrize("role", sorted(ALL))
def test_permission_helpers_follow_the_role_table(world, helper, role):
    target, allowed = HELPER_MATRIX[helper]
    check = getattr(permissions, f"can_{helper}")
    assert check(_user(world, role), target(world)) is (role in allowed)


@pytest.mark.parametrize("role", sorted(ALL))
def test_signal_settings_follow_network_management(world, role):
    """attendance.permissions.can_change_signal_settings: the network's administrators
    (and superusers), as for the rest of the network; never its coordinators."""
    from attendance.permissions import can_change_signal_settings

    user = _user(world, role)
    assert can_change_signal_settings(user, world.network) is (role in NETWORK_ADMINS)
    assert can_change_signal_settings(user, world.other_network) is (
        role in {"outsider", "superuser"}
    )


@pytest.mark.parametrize("role", sorted(ALL))
def test_volunteering_and_own_data(world, role):
    user = _user(world, role)
    # The outsider volunteers elsewhere, which still makes them a volunteer.
    assert permissions.can_volunteer(user) is (role in {"volunteer", "outsider"})
    assert permissions.can_manage_own_data(user) is (role != "anonymous")
    assert permissions.can_use_django_admin(user) is (role == "superuser")


def test_outsider_roles_elsewhere_give_nothing_here(world):
    outsider = world.users["outsider"]
    assert permissions.can_manage_network(outsider, world.other_network)
    assert permissions.can_edit_organisation(outsider, world.other_organisation)
    assert not permissions.can_manage_network(outsider, world.network)
    assert not permissions.can_edit_organisation(outsider, world.organisation)


def test_network_admin_never_handles_referrals(world):
    admin = world.users["network_admin"]
    assert permissions.can_manage_organisation(admin, world.wijkteam)
    assert not permissions.can_handle_referrals(admin, world.wijkteam)


# URL matrix --------------------------------------------------------------------------

PUBLIC = ALL
SIGNED_IN = ALL - {"anonymous"}
NETWORK_ADMINS = {"network_admin", "superuser"}
OVERVIEWS = {"municipality", "superuser"}


def urls(world):
    net, org = world.network.slug, world.organisation.slug
    membership = world.users["volunteer"].memberships.get()
    return {
        reverse("network:home"): PUBLIC,
        reverse("network:network_detail", args=[net]): PUBLIC,
        reverse("network:organisation_list"): PUBLIC,
        reverse("network:organisation_detail", args=[org]): PUBLIC,
        reverse("network:organisation_edit", args=[org]): {"editor"} | NETWORK_ADMINS,
        reverse("network:start"): SIGNED_IN,
        reverse("network:my_data"): SIGNED_IN,
        reverse("network:my_data_download"): SIGNED_IN,
        reverse("network:manage_network", args=[net]): NETWORK_ADMINS,
        reverse("network:manage_network_edit", args=[net]): NETWORK_ADMINS,
        reverse("network:manage_organisation_create", args=[net]): NETWORK_ADMINS,
        reverse("network:manage_organisation_edit", args=[net, org]): NETWORK_ADMINS,
        reverse("network:manage_memberships", args=[net]): NETWORK_ADMINS,
        reverse("network:manage_membership_add", args=[net]): NETWORK_ADMINS,
        reverse("network:manage_membership_remove", args=[net, membership.pk]): NETWORK_ADMINS,
        # The thresholds of "not seen lately": numbers only, no participant (attendance).
        reverse("attendance:signal_settings", args=[net]): NETWORK_ADMINS,
        reverse("overviews:network_year", args=[net]): PUBLIC,
        reverse("overviews:populations", args=[net]): NETWORK_ADMINS,
        reverse("overviews:municipality", args=[world.municipality.slug]): OVERVIEWS,
        reverse("overviews:network", args=[world.municipality.slug, net]): OVERVIEWS,
        reverse("overviews:organisation", args=[world.municipality.slug, org]): OVERVIEWS,
        # The spreadsheets: one table, and the whole overview.
        reverse("overviews:municipality_xlsx", args=[world.municipality.slug, "kerncijfers"]): (
            OVERVIEWS
        ),
        reverse("overviews:network_xlsx", args=[world.municipality.slug, net, "kerncijfers"]): (
            OVERVIEWS
        ),
        reverse(
            "overviews:organisation_xlsx", args=[world.municipality.slug, org, "kerncijfers"]
        ): OVERVIEWS,
        reverse("overviews:municipality_workbook", args=[world.municipality.slug]): OVERVIEWS,
        reverse("overviews:network_workbook", args=[world.municipality.slug, net]): OVERVIEWS,
        reverse("overviews:organisation_workbook", args=[world.municipality.slug, org]): OVERVIEWS,
        # The access log of referrals: who/what/when only, for the administrators of a
        # network (the outsider administers another: an empty log), and wijkteam leads
        # (tests/referrals/test_log.py); never the superuser.
        reverse("referrals:log"): {"network_admin", "outsider"},
        reverse("referrals:log_csv"): {"network_admin", "outsider"},
        reverse("admin:index"): {"superuser"},
    }


@pytest.mark.parametrize("role", sorted(ALL))
def test_url_matrix(world, client_for, role):
    client = client_for(role)
    for url, allowed in urls(world).items():
        response = client.get(url)
        if role in allowed:
            assert response.status_code == 200, (role, url, response.status_code)
        elif role == "anonymous" and url not in {reverse("admin:index")}:
            assert response.status_code == 302, (role, url, response.status_code)
            assert response.url.startswith(reverse("account_login")), (role, url)
        elif url == reverse("admin:index"):
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("admin:login"))
        else:
            # Not yours: the page does not exist for you (404), never a 403 that confirms it.
            assert response.status_code == 404, (role, url, response.status_code)


def test_writes_are_refused_like_reads(world, client_for):
    """POSTing to a management URL without the role changes nothing."""
    client = client_for("editor")
    net = world.network.slug
    membership = world.users["volunteer"].memberships.get()
    posts = {
        reverse("network:manage_organisation_create", args=[net]): {
            "name": "Inbreker",
            "kind": "club",
        },
        reverse("network:manage_membership_add", args=[net]): {
            "email": "x@example.org",
            "role": "network_admin",
        },
        reverse("network:manage_membership_remove", args=[net, membership.pk]): {},
        reverse("network:manage_network_edit", args=[net]): {"name": "Overgenomen"},
        reverse("attendance:signal_settings", args=[net]): {"min_days_away": "7"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    world.network.refresh_from_db()
    assert world.network.name == "Beesd voor elkaar"
    assert world.users["volunteer"].memberships.exists()
    assert not world.network.organisations.filter(name="Inbreker").exists()


def test_membership_of_another_network_is_404_for_its_neighbour(world, client_for):
    """An administrator of network A cannot reach a membership of network B through A's URL."""
    foreign = world.users["outsider"].memberships.filter(organisation__isnull=False).first()
    client = client_for("network_admin")
    url = reverse("network:manage_membership_remove", args=[world.network.slug, foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_inactive_organisation_is_hidden_from_residents(world, client_for):
    world.organisation.is_active = False
    world.organisation.save(update_fields=["is_active"])
    url = reverse("network:organisation_detail", args=[world.organisation.slug])
    assert client_for("resident").get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 404
    assert client_for("network_admin").get(url).status_code == 200
