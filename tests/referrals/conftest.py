import pytest
from allauth.mfa.totp.internal.auth import TOTP

from tests.conftest import TEST_TOTP_SECRET


def with_second_step(world) -> None:
    """Referral pages need an authenticator app (referrals.views.two_factor_required)."""
    for name in ("coordinator", "wijkteam"):
        TOTP.activate(world.users[name], TEST_TOTP_SECRET)


@pytest.fixture(autouse=True)
def _second_step(request) -> None:
    if "world" in request.fixturenames:
        with_second_step(request.getfixturevalue("world"))
