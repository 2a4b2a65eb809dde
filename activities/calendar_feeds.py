"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def feed_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def feed_detail(request, *args, **kwargs):
    return HttpResponse(status=501)
