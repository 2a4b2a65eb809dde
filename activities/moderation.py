"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def queue(request, *args, **kwargs):
    return HttpResponse(status=501)


def review(request, *args, **kwargs):
    return HttpResponse(status=501)
