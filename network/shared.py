"""What every app builds on, so a new app never imports another app's views or services:
the domain error, readable unique slugs, paging, the "network you manage, or 404" lookup,
and the rule that a row something else hangs on is kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.text import slugify


class DomainError(Exception):
    """A rule of the domain said no; the message is translated and meant for the user."""


def unique_slug(
    model: type[models.Model],
    text: str,
    *,
    fallback: str,
    max_length: int = 100,
    exclude_pk: int | None = None,
    taken: set[str] | None = None,
) -> str:
    """A readable, unused slug for a record of `model`: "bingo", then "bingo-2", ...

    Bulk loaders (the seed) pass `taken`, the slugs already handed out, and keep it up to
    date; then the database is not asked and the new slug is added to the set.
    """
    base = slugify(text)[:max_length] or fallback
    if taken is None:
        used = set(
            model.objects.filter(slug__startswith=base)
            .exclude(pk=exclude_pk)
            .values_list("slug", flat=True)
        )
    else:
        used = taken
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    if taken is not None:
        taken.add(slug)
    return slug


def paginate(request: HttpRequest, queryset, size: int) -> Page:
    """The page the query string asks for; a page number out of range gives the last page,
    nonsense gives the first, never an error."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def managed_network_or_404(request: HttpRequest, slug: str):
    """The network whose management pages these are; 404 for anyone who may not manage it."""
    from .models import Network
    from .permissions import can_manage_network

    network = get_object_or_404(Network.objects.select_related("municipality"), slug=slug)
    if not can_manage_network(request.user, network):
        raise Http404
    return network


def held_ids(
    model: type[models.Model], ids: Iterable[int], *, ignore: Iterable[str] = ()
) -> set[int]:
    """The rows among `ids` that a row of another kind points to (any app's, also apps
    added later, also through relations without a reverse name), apart from the
    relations named in `ignore` (by their accessor name).

    Such a row is never deleted: a date with a shift, an attendance record or a
    registration is cancelled instead, so nothing that hangs on it vanishes (CASCADE) or
    turns a routine change into a server error (PROTECT). One query per relation.
    """
    ids = list(ids)
    if not ids:
        return set()
    skipped = set(ignore)
    held: set[int] = set()
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        if relation.related_model is model or relation.get_accessor_name() in skipped:
            continue
        if relation.related_model._meta.auto_created:
            continue  # the join table of the model's own many-to-many field
        if relation.many_to_many:
            through = relation.through
            link = through._meta.get_field(relation.field.m2m_reverse_field_name())
        else:
            through, link = relation.related_model, relation.field
        held.update(
            through._base_manager.filter(**{f"{link.name}__in": ids})
            .values_list(link.attname, flat=True)
            .distinct()
        )
    return held
