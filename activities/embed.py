"""PLACEHOLDER: being written; every view here answers 501 until then."""

from django.http import HttpResponse


def embed_agenda(request, *args, **kwargs):
    return HttpResponse(status=501)


def embed_snippet(request, *args, **kwargs):
    return HttpResponse(status=501)
