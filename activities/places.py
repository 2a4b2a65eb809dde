"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def place_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def place_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def place_edit(request, *args, **kwargs):
    return HttpResponse(status=501)
