"""A URLconf for tests/network/test_access_log.py: a view that records an access, writes
to the default database, and then fails, as a real view can after showing a record."""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.urls import path

from network import access_log
from network.models import Municipality


def record_then_fail(request: HttpRequest) -> HttpResponse:
    municipality = Municipality.objects.create(name="Teruggedraaid", slug="teruggedraaid")
    access_log.record(request=request, role="coordinator", action="view", obj=municipality)
    raise RuntimeError("failed after recording the access")


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError("error")


urlpatterns = [path("record-then-fail/", record_then_fail)]
handler500 = "tests.network.access_log_urls.server_error"
