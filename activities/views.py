"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def agenda(request, *args, **kwargs):
    return HttpResponse(status=501)


def agenda_week(request, *args, **kwargs):
    return HttpResponse(status=501)


def agenda_month(request, *args, **kwargs):
    return HttpResponse(status=501)


def activity_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def occurrence_detail(request, *args, **kwargs):
    return HttpResponse(status=501)
