"""A referral from the world's coordinator (Het Klokhuis) to Wijkteam Beesd, through the
services, so every test starts from what the services write."""

from __future__ import annotations

from django.utils import timezone

from referrals import services
from referrals.models import Referral

SECRET_NAME = "Truus van Dijk"
SECRET_CONTACT = "0345-512345, Kerkstraat 12"
SECRET_TEXT = "Haar man is overleden en ze durft de post niet meer open te maken."
SECRET_CONSENT = "Truus zelf"


def send(world, **fields) -> Referral:
    values = {
        "by": world.users["coordinator"],
        "organisation": world.organisation,
        "person_name": SECRET_NAME,
        "person_contact": SECRET_CONTACT,
        "categories": ["loneliness", "money"],
        "free_text": SECRET_TEXT,
        "team": world.wijkteam,
        "consent_given_by": SECRET_CONSENT,
        "consent_how": "verbal",
        "consent_at": timezone.now(),
        "consent_text_version": services.CURRENT_CONSENT_VERSION,
    }
    values.update(fields)
    return services.send_referral(**values)
