"""The access log: who looked at or changed sensitive records. Append-only, and kept even
when the request that wrote it fails."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from config.db_routers import ACCESS_LOG_DB, access_log_has_own_database
from network import access_log
from network.models import AccessLogEntry, AppendOnlyError, Municipality
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _entry(world, **kwargs) -> AccessLogEntry:
    fields = {"actor": world.users["coordinator"], "role": "coordinator", "action": "view"}
    return access_log.record(**{**fields, "obj": world.organisation, **kwargs})


def test_an_entry_from_a_request_says_who_what_when_and_from_where(world, rf):
    request = rf.get("/inschrijvingen/?q=Jansen", REMOTE_ADDR="192.0.2.7")
    request.user = world.users["coordinator"]
    entry = access_log.record(
        request=request,
        role="coordinator",
        action=AccessLogEntry.Action.SEARCH,
        obj=world.organisation,
        description="registrations of an organisation",
    )
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert stored._state.db == ACCESS_LOG_DB
    assert stored.actor_id == world.users["coordinator"].pk
    assert stored.actor_role == "coordinator"
    assert stored.action == "search"
    assert (stored.object_type, stored.object_id) == (
        "network.organisation",
        str(world.organisation.pk),
    )
    assert stored.ip_address == "192.0.2.7"
    assert stored.path == "/inschrijvingen/"  # the search term stays out of the log
    assert stored.description == "registrations of an organisation"
    assert timezone.now() - stored.occurred_at < timedelta(minutes=1)


def test_an_anonymous_visitor_is_recorded_without_a_user(world, rf):
    request = rf.get("/aanmelding/abc/", REMOTE_ADDR="2001:db8::1")
    request.user = AnonymousUser()
    entry = access_log.record(request=request, action="change", obj=world.organisation)
    assert (entry.actor_id, entry.actor_role, entry.ip_address) == (None, "", "2001:db8::1")


def test_an_access_outside_a_request_names_the_actor_and_no_address(world):
    entry = access_log.record(
        actor=world.users["superuser"],
        role="superuser",
        action="export",
        object_type="activities.registration",
    )
    assert (entry.actor_id, entry.ip_address, entry.path, entry.object_id) == (
        world.users["superuser"].pk,
        None,
        "",
        "",
    )


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_address_is_the_one_rate_limits_use(world, rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user = AnonymousUser()
    assert access_log.record(request=request, action="view", obj=world.network).ip_address == (
        "203.0.113.9"
    )


def test_a_garbled_address_is_stored_as_unknown(world, rf):
    request = rf.get("/", REMOTE_ADDR="not an address")
    request.user = AnonymousUser()
    assert access_log.record(request=request, action="view", obj=world.network).ip_address is None


def test_mistakes_by_the_caller_write_nothing(world):
    with pytest.raises(ValueError):
        _entry(world, action="peek")
    with pytest.raises(ValueError):
        _entry(world, obj=Municipality(name="Nergens", slug="nergens"))
    with pytest.raises(ValueError):
        _entry(world, obj=None)
    assert not AccessLogEntry.objects.exists()


def test_entries_for_a_record_and_by_a_person_come_newest_first(world):
    first = _entry(world)
    _entry(world, obj=world.other_organisation)
    by_someone_else = _entry(world, actor=world.users["superuser"], role="superuser")
    last = _entry(world, action="print")
    assert list(access_log.entries_for(world.organisation)) == [last, by_someone_else, first]
    coordinator = world.users["coordinator"]
    assert [e.object_id for e in access_log.entries_by(coordinator)] == [
        str(world.organisation.pk),
        str(world.other_organisation.pk),
        str(world.organisation.pk),
    ]


def test_the_orm_refuses_to_change_or_delete_entries(world):
    entry = _entry(world, description="as written")
    entries = AccessLogEntry.objects.all()
    with pytest.raises(AppendOnlyError):
        entries.update(description="changed")
    with pytest.raises(AppendOnlyError):
        entries.delete()
    entry.description = "changed"
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.bulk_update([entry], ["description"])
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    # A copy with the same primary key is an insert that fails, never an overwrite.
    copy = AccessLogEntry(pk=entry.pk, action="view", object_type="x", description="forged")
    with pytest.raises(IntegrityError), transaction.atomic(using=ACCESS_LOG_DB):
        copy.save()
    assert list(AccessLogEntry.objects.values_list("pk", "description")) == [
        (entry.pk, "as written")
    ]
    assert issubclass(AppendOnlyError, PermissionError)


@pytest.mark.parametrize(
    ("statement", "orm"),
    [
        ("UPDATE {table} SET description = 'changed' WHERE id = %s", "update"),
        ("DELETE FROM {table} WHERE id = %s", "delete"),
    ],
)
def test_the_database_itself_refuses_changes_on_postgresql(world, statement, orm):
    entry = _entry(world, description="as written")
    connection = connections[ACCESS_LOG_DB]
    sql = statement.format(table=connection.ops.quote_name(AccessLogEntry._meta.db_table))
    # The ORM refuses on every backend.
    with pytest.raises(AppendOnlyError):
        if orm == "update":
            AccessLogEntry.objects.filter(pk=entry.pk).update(description="changed")
        else:
            AccessLogEntry.objects.filter(pk=entry.pk).delete()
    if connection.vendor == "postgresql":
        # Raw SQL too: the trigger of migration 0003_access_log.
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(using=ACCESS_LOG_DB),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
        assert AccessLogEntry.objects.get(pk=entry.pk).description == "as written"
    else:
        # SQLite (the local, embedded setup) has no trigger, as Django empties its test
        # databases with DELETE: there the ORM is the guard, and raw SQL gets through.
        assert connection.vendor == "sqlite"
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
            assert cursor.rowcount == 1


@pytest.mark.allow_error_logs  # the failing request logs its error
@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF="tests.network.access_log_urls")
def test_an_entry_survives_a_request_that_fails_after_writing_it():
    user = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.get("/record-then-fail/?q=Jansen", REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 500
    # The request's transaction was rolled back: the municipality it created is gone...
    assert not Municipality.objects.filter(slug="teruggedraaid").exists()
    # ...but the access it recorded on its own connection stays.
    entry = AccessLogEntry.objects.get()
    assert (entry.actor_id, entry.action, entry.object_type) == (
        user.pk,
        "view",
        "network.municipality",
    )
    assert (entry.path, entry.ip_address) == ("/record-then-fail/", "198.51.100.4")


def test_the_access_log_has_its_own_connection_and_one_table(db):
    log, default = connections[ACCESS_LOG_DB], connections["default"]
    assert log.settings_dict["ATOMIC_REQUESTS"] is False
    assert default.settings_dict["ATOMIC_REQUESTS"] is True
    table = AccessLogEntry._meta.db_table
    if access_log_has_own_database():
        # SQLite: a database of its own holds the access log and nothing else.
        assert "network_organisation" not in log.introspection.table_names()
        assert table in log.introspection.table_names()
        assert table not in default.introspection.table_names()
    else:
        # PostgreSQL: a second connection to the default database, where the table lives.
        assert log.settings_dict["TEST"]["MIRROR"] == "default"
        assert log.settings_dict["NAME"] == default.settings_dict["NAME"]
        assert table in default.introspection.table_names()


def test_migrate_on_the_access_log_connection_is_safe_on_every_backend(db):
    out = StringIO()
    call_command("migrate", database=ACCESS_LOG_DB, stdout=out, interactive=False)
    if access_log_has_own_database():
        assert "No migrations to apply" in out.getvalue()
    else:
        # Django would record migrations as applied in the shared table without running them.
        assert "lives in the default database" in out.getvalue()


def _settings(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    code = (
        "from django.conf import settings; d = settings.DATABASES['access_log'];"
        "print(d['ENGINE'].rsplit('.', 1)[-1], str(d['NAME']).rsplit('/', 1)[-1],"
        " d['ATOMIC_REQUESTS'], d.get('TEST', {}).get('MIRROR'))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "true", **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout.strip() or result.stderr


def test_the_access_log_connection_follows_the_default_database():
    assert _settings() == "sqlite3 access_log.sqlite3 False None"
    postgres = "postgres://omzien@db.example.org:5432/omzien"
    assert _settings(DATABASE_URL=postgres) == "postgresql omzien False default"
    sqlite = "sqlite:////tmp/omzien.sqlite3"
    assert "a database file of its own" in _settings(
        DATABASE_URL=sqlite, ACCESS_LOG_DATABASE_URL=sqlite
    )


def test_the_admin_shows_the_log_and_changes_nothing(world, client):
    entry = _entry(world, description="registration list")
    client.force_login(world.users["superuser"])
    changelist = reverse("admin:network_accesslogentry_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert "registration list" in response.content.decode()
    detail = reverse("admin:network_accesslogentry_change", args=[entry.pk])
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"description": "changed"}).status_code == 403
    assert client.get(reverse("admin:network_accesslogentry_add")).status_code == 403
    delete = reverse("admin:network_accesslogentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessLogEntry.objects.get().description == "registration list"
