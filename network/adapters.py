"""django-allauth, adapted: its e-mails leave through the outbox like every other message.

allauth sends sign-up confirmations and password-reset links inside the web request, so a
slow mail server made the page wait and an absent one made it a 500. Here the message is
rendered in the request (it needs the request for its links, site and language) and queued
in the outbox (network/outbox.py): a Celery task sends it once the request's transaction
commits, once, with EMAIL_TIMEOUT and retries. Its content (a one-time link) is kept only
until it is sent.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from . import outbox


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The same context as DefaultAccountAdapter.send_mail; only the sending differs.
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request)}
            | context,
        )
        fields = {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "headers": dict(message.extra_headers),
            "content_subtype": message.content_subtype,
            "alternatives": [
                [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
            ],
        }
        outbox.queue("network.rendered_email", payload=fields)
