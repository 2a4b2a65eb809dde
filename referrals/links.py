"""Where a referral is read, for links in e-mails and redirects: one page for both sides
(`/verwijzingen/<id>/`), showing what the reader's role allows."""

from __future__ import annotations

from django.urls import reverse


def referral_path(referral_id: int) -> str:
    return reverse("referrals:detail", kwargs={"referral": referral_id})
