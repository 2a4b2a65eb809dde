"""Pieces of public pages and feeds kept in the cache under a digest of everything they show.

An agenda card (cards.py) or a calendar event (views/feeds.py) depends on a handful of
columns of its date and its activity, on the organisations and places (the public choices
version), on the language and on the code and translations that write it. Its key is a
digest of all of them, so a write renews only the pieces it changed, and a page or feed
reads the rest in one cache round trip instead of writing every piece again. Nothing needs
deleting: a changed piece gets another key, and the old one expires.

A cache that is down is never a broken page: everything is written as if nothing was kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import BigIntegerField, F, Func, TextField

logger = logging.getLogger(__name__)

#: A piece is kept a day at most, like the pages (network.public_cache).
TIMEOUT = 24 * 60 * 60


def code_version(*sources: str) -> str:
    """A digest of the modules that write a piece and of the compiled translations, so that
    pieces written by other code or other words are not reused after a deploy."""
    digest = hashlib.sha1()
    for source in sources:
        digest.update(Path(source).read_bytes())
    for path in sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: PostgreSQL 14 and newer: a 64-bit hash of a row, each column hashed as its own type.
_ROW_HASH = "hash_record_extended(ROW(%(expressions)s), 0)"


class _RowDigest(Func):
    """A digest of columns, as text: on PostgreSQL its 64-bit row hash, elsewhere the MD5
    of the columns' text joined with "|" (NULL as the empty text). One expression rather
    than a Cast and a Coalesce per column: Django hashes every expression of a query, and
    forty of them cost more than the query."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, column_params = compiler.compile(expression)
            parts.append(f"COALESCE(CAST({sql} AS TEXT), '')")
            params.extend(column_params)
        return "MD5(" + " || '|' || ".join(parts) + ")", params

    def as_postgresql(self, compiler, connection, **extra_context):
        # The row hash (see row_hash) as text: no text written out for every timestamp.
        return super().as_sql(compiler, connection, template=f"{_ROW_HASH}::text", **extra_context)


def digest(*columns: str) -> Func:
    """A digest of `columns` (lookups like "activity__updated_at"), worked out by the
    database: a page then reads one short text per row instead of turning thousands of
    timestamps into Python objects only to hash them.
    """
    return _RowDigest(*(F(column) for column in columns))


class _RowHash(Func):
    """PostgreSQL's 64-bit hash of a row of columns, each hashed as its own type."""

    template = _ROW_HASH
    output_field = BigIntegerField()


def row_hash(*columns: str) -> Func:
    """A 64-bit hash of `columns` (PostgreSQL only): twice as fast as the MD5 of their
    text, which has to write out every timestamp first."""
    return _RowHash(*(F(column) for column in columns))


def keys(kind: str, context: str, contents: Iterable[str]) -> list[str]:
    """One key per piece from what it shows (`contents`: a row's digest, or the digests of
    several rows joined); `context` holds what all pieces share (code, language, versions).
    """
    shared = hashlib.sha1(context.encode()).digest()
    return [f"{kind}:" + hashlib.sha1(shared + text.encode()).hexdigest() for text in contents]


def read(wanted: list[str]) -> dict:
    """The pieces that are kept, by key."""
    try:
        return cache.get_many(wanted)
    except Exception:
        logger.warning("kept pieces unavailable: cache down", exc_info=True)
        return {}


def keep(pieces: Mapping[str, object]) -> None:
    try:
        cache.set_many(dict(pieces), TIMEOUT)
    except Exception:
        logger.warning("kept pieces not stored: cache down", exc_info=True)
