"""The registry of personal data: every app says here what it keeps about a person, how
that is shown and downloaded ("my data", GDPR articles 15 and 20) and how it goes when the
account is deleted (article 17). The my-data pages use nothing else, so a kind of data an
app forgets to register is missing from the download; tests/network/test_personal_data.py
fails when a model points at a user and no registered kind (or exemption) claims it.

A kind registers from its app's AppConfig.ready():

    personal_data.register(
        "activities.registrations",
        label=_("Registrations for activities"),
        models=[Registration],
        export=export_registrations,   # user -> JSON-ready list or dict
        summary=summarise_registrations,  # user -> lines for the page, in the reader's words
        erase=erase_registrations,     # user -> None; runs before the account is deleted
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models, transaction

from .models import User


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    export: Callable[[User], object]
    summary: Callable[[User], list[str]]
    #: Runs before the account itself is deleted. None: the rows go with the account
    #: (on_delete=CASCADE), nothing else to do.
    erase: Callable[[User], None] | None = None
    models: tuple[type[models.Model], ...] = field(default_factory=tuple)
    order: int = 100


_kinds: dict[str, Kind] = {}
#: (model label, field name) -> why a reference to a user there is not personal data to
#: export, e.g. "who created this activity" is kept as the organisation's record.
_exempt: dict[tuple[str, str], str] = {}


def register(
    key: str,
    *,
    label: str,
    export: Callable[[User], object],
    summary: Callable[[User], list[str]],
    erase: Callable[[User], None] | None = None,
    models: Iterable[type[models.Model]] = (),
    order: int = 100,
) -> None:
    _kinds[key] = Kind(key, label, export, summary, erase, tuple(models), order)


def exempt(model: type[models.Model], field_name: str, *, why: str) -> None:
    """A reference to a user that is not the person's own data (the field must not
    CASCADE or keep personal details: SET_NULL on deletion)."""
    _exempt[(model._meta.label, field_name)] = why


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.key))


def exemptions() -> dict[tuple[str, str], str]:
    return dict(_exempt)


def export(user: User) -> dict[str, object]:
    """Everything registered, by kind: the download."""
    return {kind.key: kind.export(user) for kind in kinds()}


def sections(user: User) -> list[tuple[str, list[str]]]:
    """(label, lines) per kind for the my-data page."""
    return [(str(kind.label), kind.summary(user)) for kind in kinds()]


@transaction.atomic
def erase(user: User) -> None:
    """Every kind erases or anonymises its rows, then the account goes (and with it every
    row that CASCADEs). All or nothing."""
    for kind in kinds():
        if kind.erase is not None:
            kind.erase(user)
    user.delete()
