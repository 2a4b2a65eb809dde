"""Django's `migrate`, made safe to run with `--database access_log` on every backend.

Where the access log shares the default database (PostgreSQL), the router lets nothing
migrate on "access_log", but Django's migration recorder ignores routers and writes to
the one django_migrations table both aliases share. Run before `migrate`, or with a
migration pending, `migrate --database access_log` would then mark migrations as applied
that never ran. So there it does nothing; with a file of its own (SQLite) it migrates.
"""

from typing import Any

from django.core.management.commands.migrate import Command as MigrateCommand

from config.db_routers import ACCESS_LOG_DB, access_log_has_own_database


class Command(MigrateCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] == ACCESS_LOG_DB and not access_log_has_own_database():
            if options["verbosity"] >= 1:
                self.stdout.write(
                    "The access log lives in the default database: `migrate` covers it."
                )
            return
        super().handle(*args, **options)
