"""Counted overviews are kept: the nightly job counts the default period again, the page
then reads it without counting, and the CSV holds the figures the page showed."""

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import Attendance
from network.models import JobRun
from tests.overviews.factories import make_scene


def test_the_nightly_job_counts_every_municipality_and_network_ahead(world, client_for):
    make_scene(world)
    out = StringIO()
    call_command("run_job", "refresh-overviews", stdout=out)
    client = client_for("municipality")
    address = reverse("overviews:municipality", args=[world.municipality.slug])
    # Kept: nothing is counted again.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "attendance_attendance" not in read and "volunteers_signup" not in read
    assert "refresh-overviews" in JobRun.objects.values_list("name", flat=True)


def test_the_download_holds_what_the_page_showed(world, client_for):
    scene = make_scene(world)
    client = client_for("municipality")
    query = f"jaar={scene['year']}&deel=jaar&vergelijk=vorige"
    page = client.get(
        reverse("overviews:municipality", args=[world.municipality.slug]) + "?" + query
    )
    shown = next(r for r in page.context["overview"].headline.rows if r.key == "participations")
    Attendance.objects.all().delete()
    csv = client.get(
        reverse("overviews:municipality_csv", args=[world.municipality.slug, "kerncijfers"])
        + "?"
        + query
    ).content.decode("utf-8-sig")
    assert f"{shown.label};{shown.figures[0]};" in csv
    assert page.context["overview"].counted_at
    assert "Cijfers bijgewerkt op" in page.content.decode()
