"""Re-encrypt every referral's encrypted columns with the newest key of REFERRAL_KEYS.

Key rotation (docs/architecture.md, "Referrals"): put the new key first in REFERRAL_KEYS
and keep the old one after it, restart, run this command, then remove the old key. Rows
are rewritten in batches, each in its own transaction with the rows locked, so the
application keeps running meanwhile; running it twice does no harm. The values are never
decrypted into Python strings: MultiFernet.rotate works on the tokens.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from referrals.fields import EncryptedTextField, rotate
from referrals.models import Referral, ReferralTransition

BATCH_SIZE = 500


def encrypted_columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def rotate_table(model, batch_size: int = BATCH_SIZE) -> int:
    """Rewrite the model's encrypted columns under the newest key; the number of rows."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = encrypted_columns(model)
    pk = quote(model._meta.pk.column)
    select = ", ".join(quote(c) for c in columns)
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    done, last = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {select} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s{lock}",
                [last, batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
                [[rotate(value or "") for value in row[1:]] + [row[0]] for row in rows],
            )
            done += len(rows)
            last = rows[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt referrals with the newest key of REFERRAL_KEYS (key rotation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, batch_size: int, **options) -> None:
        for model in (Referral, ReferralTransition):
            count = rotate_table(model, batch_size)
            self.stdout.write(f"{model._meta.verbose_name_plural}: {count} re-encrypted")
