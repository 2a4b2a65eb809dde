"""Fixtures for every test: one network with an organisation per kind of role, and one
user per role (the owners), plus an outsider who holds roles elsewhere."""

import logging
import os
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache

from network.models import Organisation, Role
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    MunicipalityFactory,
    NetworkFactory,
    OrganisationFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fail_on_error_logs(request, caplog):
    """A test that makes the application log an error fails, unless it says it expects one."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail(
            "The application logged an error: "
            + "; ".join(f"{r.name}: {r.getMessage()}" for r in errors)
        )


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries, monkeypatch):
    """Query counts measure pages as they are built: the public page cache stays out of it
    (tests/network/test_public_cache.py tests the cache itself)."""
    from network import public_cache

    monkeypatch.setattr(public_cache, "_cacheable_request", lambda request: False)
    return django_assert_max_num_queries


@pytest.fixture
def django_assert_num_queries(django_assert_num_queries, monkeypatch):
    from network import public_cache

    monkeypatch.setattr(public_cache, "_cacheable_request", lambda request: False)
    return django_assert_num_queries


@pytest.fixture
def password() -> str:
    return PASSWORD


#: The authenticator secret of the test users who need a second step.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class World:
    """A small network: who is who, and what they may touch."""

    municipality: object
    network: object
    other_network: object
    organisation: object
    other_organisation: object
    wijkteam: object
    municipality_org: object
    users: dict


ROLE_NAMES = [
    "anonymous",
    "resident",
    "volunteer",
    "editor",
    "coordinator",
    "wijkteam",
    "municipality",
    "network_admin",
    "superuser",
]


@pytest.fixture
def world(db) -> World:
    municipality = MunicipalityFactory(name="West Betuwe", slug="west-betuwe")
    network = NetworkFactory(name="Beesd voor elkaar", slug="beesd", municipality=municipality)
    elsewhere = MunicipalityFactory(name="Elders", slug="elders")
    other_network = NetworkFactory(name="Elders voor elkaar", slug="elders", municipality=elsewhere)
    organisation = OrganisationFactory(
        name="Het Klokhuis", slug="klokhuis", municipality=municipality, networks=[network]
    )
    other_organisation = OrganisationFactory(
        name="Club Elders", slug="club-elders", municipality=elsewhere, networks=[other_network]
    )
    wijkteam = OrganisationFactory(
        name="Wijkteam Beesd",
        slug="wijkteam-beesd",
        kind=Organisation.Kind.WIJKTEAM,
        municipality=municipality,
        networks=[network],
    )
    municipality_org = OrganisationFactory(
        name="Gemeente West Betuwe",
        slug="gemeente-west-betuwe",
        kind=Organisation.Kind.MUNICIPALITY,
        municipality=municipality,
        networks=[network],
    )
    users = {
        "resident": UserFactory(email="bewoner@example.org"),
        "superuser": UserFactory(email="admin@example.org", is_staff=True, is_superuser=True),
    }
    scoped = {
        "volunteer": (Role.VOLUNTEER, organisation),
        "editor": (Role.EDITOR, organisation),
        "coordinator": (Role.COORDINATOR, organisation),
        "wijkteam": (Role.WIJKTEAM, wijkteam),
        "municipality": (Role.MUNICIPALITY, municipality_org),
    }
    for name, (role, org) in scoped.items():
        users[name] = MembershipFactory(
            user=UserFactory(email=f"{name}@example.org"), role=role, organisation=org
        ).user
    users["network_admin"] = MembershipFactory(
        user=UserFactory(email="netwerk@example.org"),
        role=Role.NETWORK_ADMIN,
        organisation=None,
        network=network,
    ).user
    # The outsider holds every role, but in another network and municipality.
    outsider = UserFactory(email="outsider@example.org")
    for role in (Role.EDITOR, Role.COORDINATOR, Role.VOLUNTEER):
        MembershipFactory(user=outsider, role=role, organisation=other_organisation)
    MembershipFactory(
        user=outsider, role=Role.NETWORK_ADMIN, organisation=None, network=other_network
    )
    users["outsider"] = outsider
    # The roles that must sign in with a second step have set up their authenticator app.
    for name in ("network_admin", "superuser", "outsider"):
        TOTP.activate(users[name], TEST_TOTP_SECRET)
    return World(
        municipality,
        network,
        other_network,
        organisation,
        other_organisation,
        wijkteam,
        municipality_org,
        users,
    )


@pytest.fixture
def client_for(client, world):
    """A test client signed in as the named role (or anonymous)."""

    def make(role: str):
        client.logout()
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return make


#: The django_db marker's arguments, in its order (pytest-django's validate_django_db).
_DJANGO_DB_ARGS = (
    "transaction",
    "reset_sequences",
    "databases",
    "serialized_rollback",
    "available_apps",
)
_DB_FIXTURES = {"db", "transactional_db", "live_server"}


def pytest_collection_modifyitems(config, items: list[pytest.Item]) -> None:
    """A test that uses the database may use all of them.

    The access log (network/access_log.py) writes on its own connection, "access_log",
    from any view that shows a sensitive record; pytest-django refuses a connection the
    test did not ask for. What else the test asked for (transaction=True, ...) stays.
    """
    _deselect_postgresql_only(config, items)
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = {}
        if marker is not None:
            kwargs = dict(zip(_DJANGO_DB_ARGS, marker.args, strict=False)) | marker.kwargs
        if kwargs.get("databases") is None:
            kwargs["databases"] = "__all__"
            # In front, so it is the closest marker, the one pytest-django reads.
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def _deselect_postgresql_only(config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql_only` need what SQLite's in-memory test database cannot give
    (row locks under concurrent writers; a worker process reaching the test database). On
    SQLite they are deselected, not skipped: CI runs them in its PostgreSQL leg, where a
    skip would fail the run."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With OMZIEN_REQUIRE_SERVICES set (as in CI), a skipped test counts as a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("OMZIEN_REQUIRE_SERVICES") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped where every service must be available: {report.longrepr}"
