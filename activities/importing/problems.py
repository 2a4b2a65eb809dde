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
        template = self.template
        text = template._args[0] if isinstance(template, Promise) else str(template)
        params = {
            name: value if isinstance(value, int | float) else str(value)
            for name, value in self.params.items()
        }
        return {"text": text, "params": params}


def describe(problem: dict) -> str:
    """A stored problem (FeedError.as_data) in the current language."""
    if not problem:
        return ""
    text = gettext(problem.get("text", ""))
    params = problem.get("params") or {}
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return problem.get("text", "")
