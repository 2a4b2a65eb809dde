"""What a resident may want to know before coming: one answer, from the activity and the
place it is held at that date, for the agenda cards, detail pages, posters and moderation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Activity, Place


@dataclass(frozen=True)
class Fact:
    #: Stable name, also the badge's CSS modifier (badge--wheelchair).
    key: str
    label: str


def accessibility_facts(activity: Activity, place: Place | None) -> list[Fact]:
    """The activity's own facts, and what its place offers (wheelchair, toilet, loop)."""
    candidates = [
        (
            "wheelchair",
            _("Wheelchair accessible"),
            activity.wheelchair_accessible or bool(place and place.wheelchair_accessible),
        ),
        ("toilet", _("Accessible toilet"), bool(place and place.accessible_toilet)),
        (
            "hearing-loop",
            _("Hearing loop"),
            activity.hearing_loop or bool(place and place.hearing_loop),
        ),
        ("sign-language", _("Sign language"), activity.sign_language),
        ("low-stimulus", _("Low-stimulus"), activity.low_stimulus),
        ("transport", _("Transport can be arranged"), activity.transport_available),
    ]
    return [Fact(key, str(label)) for key, label, present in candidates if present]
