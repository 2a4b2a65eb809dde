"""What every app builds on, so a new app never imports another app's views or services:
the domain error, readable unique slugs, paging, the "network you manage, or 404" lookup,
the rule that a row something else hangs on is kept, and URLs for many rows at once.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable
from functools import wraps

from django.core import validators
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import get_script_prefix, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import cached_property
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


def is_slug(value: object) -> bool:
    """Whether a value from a query string can be a slug at all. Check before looking one
    up: nonsense is then simply not found and never reaches the database (PostgreSQL
    refuses a NUL byte in a query: a server error)."""
    return isinstance(value, str) and validators.slug_re.fullmatch(value) is not None


def secret_link_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages whose address is the key (a registration's link, an invitation): never
    stored by a browser or proxy, and the address never leaks to another site as referrer."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        # Not "no-referrer": browsers then send "Origin: null" with the page's own forms
        # (withdrawing, accepting an invitation), which CSRF protection rightly refuses.
        # "same-origin" keeps the address from every other site just as well.
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def limit_concurrency(
    name: str, *, slots: int, retry_after: int = 30
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """At most `slots` requests of this kind at once, across every web process: heavy work
    (a PDF) must never take all workers, so pages keep answering. Over the limit the
    visitor gets a plain "try again in a minute" (503 with Retry-After).

    The count lives in the cache; a process killed mid-request leaves a slot taken until
    the key expires (ten minutes).
    """
    key = f"busy:{name}"

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                cache.add(key, 0, timeout=10 * 60)
                busy = cache.incr(key)
            except Exception:  # no cache: no limit, rather than no page
                return view(request, *args, **kwargs)
            try:
                if busy > slots:
                    response = render(request, "busy.html", status=503)
                    response["Retry-After"] = str(retry_after)
                    # Expected under load, not an error to mail to the administrators.
                    response._has_been_logged = True
                    return response
                return view(request, *args, **kwargs)
            finally:
                with contextlib.suppress(Exception):
                    cache.decr(key)

        return limited

    return decorator


#: Nobody pages further; a larger number is read as this one.
MAX_PAGE = 10_000


class CappedPaginator(Paginator):
    """Counts no further than `cap`: counting every coming date of a region (hundreds of
    thousands) costs more than the whole page, and nobody pages that far. `is_capped`
    says there are more than `cap`; the page then says so in words."""

    def __init__(self, object_list, per_page, *, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        # Unordered: the database stops at the cap instead of sorting every row first.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


def paginate(request: HttpRequest, queryset, size: int, *, cap: int | None = None) -> Page:
    """The page the query string asks for; a page number out of range gives the last page,
    nonsense gives the first, never an error.

    With `cap`, counting stops there, or just past the page asked for when that lies
    further: whoever pages on always finds a next page while there is one.
    """
    number = request.GET.get("page")
    if cap is None:
        return Paginator(queryset, size).get_page(number)
    with contextlib.suppress(TypeError, ValueError):
        cap = max(cap, min(int(number), MAX_PAGE) * size)
    return CappedPaginator(queryset, size, cap=cap).get_page(number)


def paginate_counted(
    request: HttpRequest, size: int, read: Callable[[int, int], tuple[list, int]]
) -> Page:
    """A page whose rows and the number of all rows come from one query: `read(bottom,
    top)` gives those rows and the total (a window count beside each row). A search of a
    common word matches some 1,300 activities of a region; listing them all to count them
    cost more than the rest of the query. A page number past the end gives the last page,
    nonsense the first, as `paginate` does."""
    number = _page_number(request)
    bottom = (number - 1) * size
    rows, total = read(bottom, bottom + size)
    if not rows and number > 1:
        total = read(0, 1)[1]
        number = max(1, -(-total // size))
        bottom = (number - 1) * size
        rows, total = read(bottom, bottom + size) if total else ([], 0)
    paginator = Paginator([], size)
    paginator.count = total
    return Page(rows, number, paginator)


def _page_number(request: HttpRequest) -> int:
    """The page number asked for, from 1 to MAX_PAGE; 1 for nonsense."""
    try:
        return min(max(int(request.GET.get("page") or 1), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def paginate_by_peeking(
    request: HttpRequest, queryset, size: int, read: Callable[[object], list]
) -> tuple[Page, list]:
    """A page counted no further than itself, without a count query: `read` reads the
    page's rows and one more, which says whether another page follows (the week and the
    month, whose count stops at one page: "more than 300 dates this week").

    Returns the page and its rows as `read` gave them. A page number past the end gives
    the last page, counted as `paginate` does.
    """
    number = _page_number(request)
    bottom = (number - 1) * size
    rows = read(queryset[bottom : bottom + size + 1])
    if not rows and number > 1:
        page = paginate(request, queryset, size, cap=size)
        return page, read(page.object_list)
    paginator = CappedPaginator(queryset, size, cap=number * size)
    paginator.count = bottom + len(rows)  # one past the page when another follows
    return paginator.page(number), rows[:size]


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


_URL_SENTINEL = 918273645


def url_for_each(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for a list of rows: the URL is reversed once with a
    sentinel and filled in per row (reverse() cost 0.1-0.2 ms a call, a fifth of a list's
    cards). For URL patterns with one integer argument."""
    return _url_parts(name, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _url_parts(name: str, _script_prefix: str) -> Callable[[int], str]:
    before, sentinel, after = reverse(name, args=[_URL_SENTINEL]).rpartition(str(_URL_SENTINEL))
    if not sentinel:
        raise ValueError(f"{name} does not take one integer argument")
    return lambda pk: f"{before}{int(pk)}{after}"
