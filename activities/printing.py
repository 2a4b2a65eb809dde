"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def week_pdf(request, *args, **kwargs):
    return HttpResponse(status=501)


def month_pdf(request, *args, **kwargs):
    return HttpResponse(status=501)


def poster_pdf(request, *args, **kwargs):
    return HttpResponse(status=501)
