"""`manage.py seed --scale village|region`: the reference data sets of SPEC.md "Scale".

All the work is in network/seed.py; this only reads the options and reports.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from network.models import Network
from network.seed import SCALES, SeedError, run_seed


class Command(BaseCommand):
    help = (
        "Fill an empty database with a deterministic reference data set: 'village' (Beesd "
        "voor elkaar) or 'region' (100 networks). Every seeded account has the password 'demo'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="village")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data (default 1).")
        parser.add_argument(
            "--factor",
            type=float,
            default=1.0,
            help="Scale the region's counts, e.g. 0.01 for a small region (default 1.0).",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First delete all networks, organisations, memberships and users.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds networks (for `make run`).",
        )

    def handle(
        self, *args: Any, scale: str, seed: int, factor: float, flush: bool, **options
    ) -> None:
        if not settings.SEED_ALLOWED:
            # Demo accounts with the password "demo" must never reach a production site.
            raise CommandError("Seeding is off here: set SEED_ALLOWED=true (or DEBUG=true).")
        if options["if_empty"] and not flush and Network.objects.exists():
            self.stdout.write("The database holds data already; nothing seeded.")
            return
        progress = self.stdout if options["verbosity"] > 1 else None
        try:
            result = run_seed(scale, seed, factor, flush=flush, stdout=progress)
        except SeedError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(result.summary()))
