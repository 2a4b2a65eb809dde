"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def my_activities(request, *args, **kwargs):
    return HttpResponse(status=501)


def activity_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def schedule_preview(request, *args, **kwargs):
    return HttpResponse(status=501)


def activity_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def occurrence_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def activity_submit(request, *args, **kwargs):
    return HttpResponse(status=501)


def activity_cancel(request, *args, **kwargs):
    return HttpResponse(status=501)


def occurrence_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def occurrence_cancel(request, *args, **kwargs):
    return HttpResponse(status=501)
