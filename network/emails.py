"""E-mails of the network app: one function per message, in the recipient's language.

Bodies carry links, never personal details beyond the recipient's own address.
"""

from __future__ import annotations

from collections.abc import Sequence

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import outbox
from .models import Membership, OutboxMessage


def send_templated_email(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Render `<template>_subject.txt`, `.txt` and `.html` in the recipient's language and
    send them, with any (filename, content, mimetype) attachments; every e-mail of every
    app goes through here."""
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL, "LANGUAGE_CODE": language}
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def queue_invitation(membership: Membership) -> None:
    outbox.queue("network.invitation", about=membership, recipient=membership.user)


@outbox.sender("network.invitation")
def send_invitation(message: OutboxMessage) -> bool:
    """Tell a person about their new role; a new account gets a link to choose a password."""
    membership = (
        Membership.objects.select_related("user", "organisation", "network")
        .filter(pk=message.object_id)
        .first()
    )
    if membership is None:  # the role was taken away before the message went
        return False
    user = membership.user
    if user.has_usable_password():
        action_url = settings.SITE_URL + reverse("account_login")
    else:
        key = default_token_generator.make_token(user)
        action_url = settings.SITE_URL + reverse(
            "network:accept_invitation",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        )
    send_templated_email(
        to=user.email,
        template="network/emails/invitation",
        context={
            "role": membership.get_role_display(),
            "place": str(membership.scope),
            "new_account": not user.has_usable_password(),
            "action_url": action_url,
        },
        language=user.language,
    )
    membership.invitation_sent_at = timezone.now()
    membership.save(update_fields=["invitation_sent_at"])
    return True


@outbox.sender("network.rendered_email")
def send_rendered_email(message: OutboxMessage) -> bool:
    """A message rendered when it was queued: allauth's (network/adapters.py)."""
    fields = message.payload or {}
    if not fields.get("to"):
        return False
    email = EmailMultiAlternatives(
        fields["subject"],
        fields["body"],
        fields.get("from_email"),
        fields["to"],
        headers=fields.get("headers") or None,
    )
    email.content_subtype = fields.get("content_subtype", "plain")
    for content, mimetype in fields.get("alternatives") or []:
        email.attach_alternative(content, mimetype)
    email.send()
    return True
