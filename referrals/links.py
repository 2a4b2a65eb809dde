"""Where a referral is read, for links in e-mails. The pages (the coordinator's form and
list, the team's inbox, one referral) come next; until then the address is fixed here and
the pages must answer it: `/verwijzingen/<id>/`, one page for both sides, showing what the
reader's role allows."""

from __future__ import annotations

PREFIX = "/verwijzingen/"


def referral_path(referral_id: int) -> str:
    return f"{PREFIX}{referral_id}/"
