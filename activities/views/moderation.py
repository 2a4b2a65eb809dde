"""Moderation by network administrators: activities of organisations that do not publish
directly wait here, and are approved or returned with a comment.

Only administrators of the network in the address get these pages; anyone else a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.shared import DomainError, managed_network_or_404

from .. import permissions, recurrence, services
from ..forms import ReturnForm
from ..models import Activity, Status

QUEUE_SIZE = 100
RECENTLY_RETURNED = 20
#: How many coming dates the review shows, as residents would see them.
REVIEW_DATES = 5


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    """Activities waiting for approval, oldest first; below them the recently returned."""
    network = managed_network_or_404(request, slug)
    waiting = (
        Activity.objects.in_network(network)
        .filter(status=Status.SUBMITTED)
        .select_related("organisation")
        .order_by("updated_at", "pk")
    )
    returned = (
        Activity.objects.in_network(network)
        .filter(status=Status.RETURNED)
        .select_related("organisation")
        .order_by("-updated_at", "-pk")
    )
    waiting_list = list(waiting[: QUEUE_SIZE + 1])
    return render(
        request,
        "activities/moderation/queue.html",
        {
            "network": network,
            "waiting": waiting_list[:QUEUE_SIZE],
            "more_waiting": len(waiting_list) > QUEUE_SIZE,
            "returned": returned[:RECENTLY_RETURNED],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """The activity as residents would see it, with approve and return-with-comment."""
    network = managed_network_or_404(request, slug)
    instance = get_object_or_404(
        Activity.objects.in_network(network)
        .select_related("organisation", "place", "room")
        .prefetch_related("co_organisers", "organisation__networks"),
        slug=activity,
    )
    if not permissions.can_moderate_activity(request.user, instance):
        raise Http404
    form = ReturnForm(request.POST if request.POST.get("decision") == "return" else None)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                services.approve_activity(activity=instance)
                messages.success(
                    request,
                    _("“%(title)s” is approved and in the agenda now.") % {"title": instance.title},
                )
                return redirect("activities:moderation_queue", slug=network.slug)
            if decision == "return" and form.is_valid():
                services.return_activity(activity=instance, comment=form.cleaned_data["comment"])
                messages.success(
                    request,
                    _("“%(title)s” is returned to the organisation with your comment.")
                    % {"title": instance.title},
                )
                return redirect("activities:moderation_queue", slug=network.slug)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("activities:moderation_review", slug=network.slug, activity=activity)
    upcoming = (
        instance.occurrences.filter(starts_at__gte=timezone.now())
        .select_related("place", "room")
        .order_by("starts_at")[:REVIEW_DATES]
    )
    return render(
        request,
        "activities/moderation/review.html",
        {
            "network": network,
            "activity": instance,
            "form": form,
            "upcoming": upcoming,
            "schedule": recurrence.describe(recurrence.Schedule.of(instance)),
            "may_decide": instance.status == Status.SUBMITTED,
        },
    )
