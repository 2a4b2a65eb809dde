"""Request-wide rules of the network app."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .permissions import must_use_two_factor

#: Where someone without a second step may still go: signing in and out, setting it up,
#: the language switch, and what the pages themselves load.
_ALWAYS_OPEN = ("/account/", "/taal/", "/healthz", "/static/", "/media/", "/favicon")


class RequireTwoFactorMiddleware:
    """A superuser or network administrator without an authenticator app is sent to set
    one up before anything else: their password alone must never be enough.

    allauth asks for the code at every sign-in once the app is set up, so having one is
    the whole check (one query, only for those roles).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            must_use_two_factor(user)
            and not request.path.startswith(_ALWAYS_OPEN)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.info(
                request,
                _(
                    "Your role needs a second step when you sign in: a code from an "
                    "authenticator app on your phone. Set it up now; it takes a minute."
                ),
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
