"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def agenda_ics(request, *args, **kwargs):
    return HttpResponse(status=501)


def network_ics(request, *args, **kwargs):
    return HttpResponse(status=501)


def organisation_ics(request, *args, **kwargs):
    return HttpResponse(status=501)


def activity_ics(request, *args, **kwargs):
    return HttpResponse(status=501)


def occurrence_ics(request, *args, **kwargs):
    return HttpResponse(status=501)


class LatestActivitiesRss:
    def __call__(self, request, *args, **kwargs):
        return HttpResponse(status=501)


class LatestActivitiesAtom:
    def __call__(self, request, *args, **kwargs):
        return HttpResponse(status=501)
