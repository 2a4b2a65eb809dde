"""Fetching a connected calendar through the guarded HTTP client, its refusals worded for
the organisation's editors."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy

from network import guarded_http

from .problems import FeedError

#: Seconds for connecting and for each read (setting CALENDAR_IMPORT_TIMEOUT).
DEFAULT_TIMEOUT = 10
#: Largest file we read (setting CALENDAR_IMPORT_MAX_BYTES).
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FetchResult:
    content: bytes = b""
    etag: str = ""
    not_modified: bool = False


def _allow_private_hosts() -> bool:
    """Tests serve feeds from 127.0.0.1; production never allows it."""
    return bool(getattr(settings, "CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS", False))


def _redirect_problem() -> FeedError:
    return FeedError(
        gettext_lazy(
            "The calendar address sends us on to an address we refuse, or too often. Use the "
            "final ICS address of the calendar."
        )
    )


def _status_problem(code: int) -> FeedError:
    if code in (401, 403):
        return FeedError(
            gettext_lazy(
                "The calendar is not public (error %(code)d). Use the public or secret ICS "
                "address of your calendar."
            ),
            code=code,
        )
    if code in (404, 410):
        return FeedError(
            gettext_lazy("The calendar address was not found (error %(code)d). Check the address."),
            code=code,
        )
    return FeedError(
        gettext_lazy(
            "The server of the calendar answered with an error (%(code)d). We will try again later."
        ),
        code=code,
    )


def problem_for(error: guarded_http.FetchError) -> FeedError:
    """The editor's words for why the guarded client refused or failed."""
    if isinstance(error, guarded_http.RefusedAddress):
        return FeedError(gettext_lazy("Give an address that starts with http:// or https://."))
    if isinstance(error, guarded_http.PrivateAddress):
        return FeedError(
            gettext_lazy(
                "This address points to a private network. Only calendars on the public "
                "internet can be connected."
            )
        )
    if isinstance(error, guarded_http.BadRedirect):
        return _redirect_problem()
    if isinstance(error, guarded_http.TooLarge):
        return FeedError(
            gettext_lazy("The calendar file is larger than %(size)d MB. We cannot import it."),
            size=max(1, error.max_bytes // (1024 * 1024)),
        )
    if isinstance(error, guarded_http.TooSlow):
        return FeedError(
            gettext_lazy("The calendar did not answer in time. We will try again later.")
        )
    if isinstance(error, guarded_http.HTTPStatus):
        return _status_problem(error.code)
    if isinstance(error, guarded_http.NoSuchHost):
        return FeedError(
            gettext_lazy("The server of this calendar address does not exist. Check it.")
        )
    return FeedError(gettext_lazy("We could not reach the calendar address."))


def check_feed_url(url: str) -> None:
    """Refuse what is obviously not a calendar address we may fetch."""
    try:
        guarded_http.check_url(url, allow_private=_allow_private_hosts())
    except guarded_http.FetchError as error:
        raise problem_for(error) from None


def fetch_feed(
    url: str,
    *,
    etag: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> FetchResult:
    """The feed's bytes; FeedError with a plain message when it cannot be had safely."""
    headers = {
        "User-Agent": f"Omzien calendar import (+{settings.SITE_URL})",
        "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
    }
    if etag:
        headers["If-None-Match"] = etag
    try:
        response = guarded_http.fetch(
            url,
            headers=headers,
            timeout=timeout,
            max_bytes=max_bytes,
            allow_private=_allow_private_hosts(),
        )
    except guarded_http.FetchError as error:
        raise problem_for(error) from None
    if response.not_modified:
        return FetchResult(etag=etag, not_modified=True)
    return FetchResult(content=response.content, etag=response.header("ETag")[:255])
