"""E-mails about registrations for a date: one function per message, in the recipient's
language.

Subjects are generic and bodies hold only the activity, the date and the personal link:
never the name, telephone number or party size. Whoever opens the link sees the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Registration, RegistrationStatus


def _send(*, to: str, template: str, context: dict, language: str) -> None:
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def _context(registration: Registration) -> dict:
    occurrence = registration.occurrence
    return {
        "activity_title": occurrence.activity.title,
        "starts_at": occurrence.starts_at,
        "all_day": occurrence.all_day,
        "manage_url": settings.SITE_URL
        + reverse("activities:registration", kwargs={"token": registration.token}),
    }


def send_registration_confirmation(registration: Registration, *, language: str) -> None:
    """Right after registering: a place, or a place on the waiting list, and the link."""
    _send(
        to=registration.email,
        template="activities/emails/registration_confirmation",
        context={
            **_context(registration),
            "waiting": registration.status == RegistrationStatus.WAITING,
        },
        language=language,
    )


def send_place_available(registration: Registration, *, language: str) -> None:
    """Someone cancelled and the person moved up from the waiting list."""
    _send(
        to=registration.email,
        template="activities/emails/registration_promoted",
        context=_context(registration),
        language=language,
    )


def send_date_cancelled(registration: Registration, *, language: str) -> None:
    """The organiser called off the date (or the whole activity): nobody comes in vain."""
    occurrence = registration.occurrence
    _send(
        to=registration.email,
        template="activities/emails/registration_date_cancelled",
        context={
            **_context(registration),
            "activity_url": settings.SITE_URL + occurrence.activity.get_absolute_url(),
        },
        language=language,
    )
