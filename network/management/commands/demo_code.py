"""Print the current sign-in code of the demo accounts that need a second step.

Superusers and network administrators sign in with a code from an authenticator app, and
coordinators and wijkteam members need one to open referrals. The
seeded demo accounts share a known secret (network.seed.DEMO_TOTP_SECRET), so anyone trying
the site locally can sign in as them without a phone. Refused unless SEED_ALLOWED: the
demo accounts and their known secret never belong in production.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from network.seed import DEMO_ACCOUNTS, DEMO_TOTP_SECRET, TWO_STEP_DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the current authenticator code of the demo accounts (development only)."

    def handle(self, *args, **options) -> None:
        if not settings.SEED_ALLOWED:
            raise CommandError("Only where demo data is allowed (SEED_ALLOWED, or DEBUG).")
        from allauth.mfa.totp.internal.auth import (
            format_hotp_value,
            hotp_value,
            yield_hotp_counters_from_time,
        )

        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, current))
        emails = ", ".join(
            email for key, email, *_ in DEMO_ACCOUNTS if key in TWO_STEP_DEMO_ACCOUNTS
        )
        self.stdout.write(f"{code}  ({emails}; valid ~30 s)")
