"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def register(request, *args, **kwargs):
    return HttpResponse(status=501)


def manage_registration(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_list(request, *args, **kwargs):
    return HttpResponse(status=501)
