"""One open shift in the volunteer's list, as HTML: what, when, where, requirements, places
and what they can do (sign up, join the waiting list, take over, or why not).

Written in Python rather than as a template include, like the agenda's cards
(activities/cards.py): Django renders an include with its dozens of lookups per card, and
at region scale twenty of them were half of the page. Everything is escaped by
format_html; the words are the same translations the template had.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from network.shared import url_for_each

from .models import SignUpStatus


def _day(moment, *, weekday: bool = False, year: bool = False, clock: bool = False) -> str:
    """What date_format(moment, "l j F Y H:i") and its shorter forms write ("donderdag 3
    december 2026 10:00"), from the same translated names, without reading a format per
    call: a list of twenty shifts wrote sixty dates."""
    parts = [str(WEEKDAYS[moment.weekday()])] if weekday else []
    parts += [str(moment.day), str(MONTHS[moment.month])]
    if year:
        parts.append(str(moment.year))
    if clock:
        parts.append(f"{moment:%H:%M}")
    return " ".join(parts)


def csrf_input(token: str) -> SafeString:
    """What `{% csrf_token %}` writes, for forms written here."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def shift_card(item, csrf: SafeString) -> SafeString:
    """`item`: a volunteers.views.shifts.ShiftItem; `csrf`: csrf_input() of the request."""
    shift = item.shift
    task = shift.task
    starts = timezone.localtime(shift.starts_at)
    ends = timezone.localtime(shift.ends_at)
    detail = url_for_each("volunteers:shift_detail")(shift.pk)
    where = task.organisation.name
    if task.place:
        where += f" · {task.place.name}"
    return format_html(
        '<li class="card shift-card">\n'
        '  <h2 class="card__title"><a href="{}">{}</a></h2>\n'
        '  <p class="card__meta">{}, {}\u2013{}<br>{}</p>\n'
        '  <ul class="badges">{}</ul>\n'
        "  <p>{}{}</p>\n"
        "{}{}"
        "</li>\n",
        detail,
        task.title,
        _day(starts, weekday=True),
        f"{starts:%H:%M}",
        f"{ends:%H:%M}",
        where,
        _badges(task),
        _places(item),
        format_html("<br><strong>{}</strong>", _("A stand-in is wanted"))
        if shift.stand_in_wanted
        else "",
        format_html(
            '  <p class="shift-card__warning">{}</p>\n',
            _("Please note: you have another shift at the same time."),
        )
        if item.overlaps
        else "",
        _action(item, detail, starts, csrf),
    )


def _badges(task) -> SafeString:
    badges = [capfirst(task.get_kind_display())]
    if task.requires_vog:
        badges.append(_("VOG"))
    if task.required_training:
        badges.append(task.required_training)
    if task.requires_driving_licence:
        badges.append(_("driving licence"))
    if task.minimum_age:
        badges.append(_("%(age)s+") % {"age": task.minimum_age})
    return format_html_join("", '<li class="badge">{}</li>', ((badge,) for badge in badges))


def _places(item) -> SafeString:
    if item.full:
        return format_html('<span class="places-left">{}</span> · {}', _("Full"), _("waiting list"))
    text = ngettext("%(n)s place left", "%(n)s places left", item.places_left) % {
        "n": item.places_left
    }
    return format_html('<span class="places-left">{}</span>', text)


def _action(item, detail: str, starts, csrf: SafeString) -> SafeString:
    """Their own sign-up, why they cannot sign up, or the button."""
    task = item.shift.task
    day, day_time = _day(starts), _day(starts, clock=True)
    if item.mine:
        status = item.mine.status
        if status == SignUpStatus.CONFIRMED:
            text = _("You are signed up.")
        elif status == SignUpStatus.OFFERED:
            text = _("A place is offered to you.")
        else:
            text = _("You are on the waiting list.")
        return format_html(
            '  <p><strong>{}</strong> <a href="{}">{}{}</a></p>\n',
            text,
            detail,
            _("See the shift"),
            _hidden(task.title, day),
        )
    if item.problems:
        return format_html(
            '  <p class="muted">{} <a href="{}">{}{}</a></p>\n',
            _("You do not meet all requirements for this task yet."),
            detail,
            _("Why?"),
            _hidden(task.title, day),
        )
    if item.full and item.shift.stand_in_wanted:
        return format_html(
            '  <p><a class="button" href="{}">{}{}</a></p>\n',
            detail,
            _("Take this shift over"),
            _hidden(task.title, day_time),
        )
    return format_html(
        '  <form method="post" action="{}" class="inline-form">{}'
        '<button type="submit" class="button">{}{}</button></form>\n',
        url_for_each("volunteers:shift_sign_up")(item.shift.pk),
        csrf,
        _("Join the waiting list") if item.full else _("Sign up"),
        _hidden(task.title, day_time),
    )


def _hidden(title: str, when: str) -> SafeString:
    """Which shift a link or button is about, for screen readers (there are twenty)."""
    return format_html('<span class="visually-hidden"> ({}, {})</span>', title, when)


def my_coming_shift(signup, csrf: SafeString) -> SafeString:
    """One of my coming shifts ("my shifts"): when and where, my status, what I can do."""
    shift = signup.shift
    task = shift.task
    starts = timezone.localtime(shift.starts_at)
    ends = timezone.localtime(shift.ends_at)
    where = task.organisation.name
    if task.place:
        where += f" · {task.place.name}"
    return format_html(
        '<li class="registrations__item">\n'
        '  <h3 class="registrations__title"><a href="{}">{}</a></h3>\n'
        "  <p>{}, {}\u2013{} · {}</p>\n"
        "  <p>{}</p>\n"
        "{}"
        "</li>\n",
        url_for_each("volunteers:shift_detail")(shift.pk),
        task.title,
        _day(starts, weekday=True, year=True),
        f"{starts:%H:%M}",
        f"{ends:%H:%M}",
        where,
        _my_status(signup),
        "" if shift.is_cancelled else _my_actions(signup, _day(starts), csrf),
    )


def _my_status(signup) -> SafeString:
    if signup.shift.is_cancelled:
        return format_html(
            '<span class="badge badge--cancelled">{}</span>', _("cancelled by the organisation")
        )
    if signup.status == SignUpStatus.CONFIRMED:
        stand_in = f" · {_('stand-in asked for')}" if signup.stand_in_wanted_at else ""
        return format_html("<strong>{}</strong>{}", _("Signed up"), stand_in)
    if signup.status == SignUpStatus.WAITING:
        return format_html("<strong>{}</strong>", _("On the waiting list"))
    if signup.status == SignUpStatus.OFFERED:
        deadline = date_format(timezone.localtime(signup.offer_expires_at), "l j F, H:i")
        return format_html(
            "<strong>{}</strong>",
            _("Place offered: accept before %(deadline)s") % {"deadline": deadline},
        )
    return mark_safe("")


def _my_actions(signup, day: str, csrf: SafeString) -> SafeString:
    title = signup.shift.task.title
    if signup.status == SignUpStatus.OFFERED:
        return format_html(
            '  <div class="form-actions">\n'
            '    <form method="post" action="{}" class="inline-form">{}<button type="submit"'
            ' class="button">{}{}</button></form>\n'
            '    <form method="post" action="{}" class="inline-form">{}<button type="submit"'
            ' class="button button--quiet">{}{}</button></form>\n'
            "  </div>\n",
            url_for_each("volunteers:offer_accept")(signup.pk),
            csrf,
            _("Yes, I will come"),
            _hidden(title, day),
            url_for_each("volunteers:offer_decline")(signup.pk),
            csrf,
            _("No, thank you"),
            _hidden(title, day),
        )
    cancel = url_for_each("volunteers:signup_cancel")(signup.pk)
    if signup.may_cancel:
        if signup.status == SignUpStatus.WAITING:
            text = _("Leave the waiting list")
        else:
            text = _("Cancel my place")
        return format_html('  <p><a href="{}">{}{}</a></p>\n', cancel, text, _hidden(title, day))
    return format_html(
        '  <p class="muted">{} <a href="{}">{}{}</a></p>\n',
        _(
            "Cannot come? It is too late to cancel here: ask for a stand-in or contact the "
            "coordinator."
        ),
        cancel,
        _("How?"),
        _hidden(title, day),
    )


def my_past_shift(signup) -> SafeString:
    """One of my past shifts (a views.mine.PastSignUp): what, when, where, and whether it
    counted."""
    if signup.shift_cancelled:
        note = f" · {_('cancelled by the organisation')}"
    elif signup.no_show_recorded_at:
        note = f" · {_('recorded as not present')}"
    else:
        note = ""
    return format_html(
        '<li class="registrations__item"><p><a href="{}">{}</a>, {} · {}{}</p></li>\n',
        url_for_each("volunteers:shift_detail")(signup.shift_id),
        signup.title,
        _day(timezone.localtime(signup.starts_at), year=True),
        signup.organisation_name,
        note,
    )
