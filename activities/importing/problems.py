"""Why a calendar could not be imported, in words an editor understands."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext


class FeedError(Exception):
    """A problem with a connected calendar, worded for its editors.

    The message is kept lazy with its parameters, so it can be written in the site's
    language on the feed and in each editor's own language in the e-mail.
    """

    def __init__(self, message, **params) -> None:
        super().__init__(str(message))
        self.template = message
        self.params = params

    def message(self) -> str:
        return str(self.template) % self.params if self.params else str(self.template)

    def __str__(self) -> str:
        return self.message()

    def as_data(self) -> dict:
        """The problem as stored on the feed: the untranslated text and its parameters, so
        each reader sees it in their own language and a changed translation never
        changes what was stored."""
        return note(self.template, **self.params)


def note(message, **params) -> dict:
    """A remark for the feed's page (a problem, or a note in the sync report), stored
    untranslated with its parameters like FeedError.as_data; `describe` words it."""
    text = message._args[0] if isinstance(message, Promise) else str(message)
    values = {
        name: value if isinstance(value, int | float) else str(value)
        for name, value in params.items()
    }
    return {"text": text, "params": values}


def describe(problem: dict) -> str:
    """A stored problem or note (FeedError.as_data, note) in the current language."""
    if not problem:
        return ""
    text = gettext(problem.get("text", ""))
    params = problem.get("params") or {}
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return problem.get("text", "")
