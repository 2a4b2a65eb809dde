"""The form to call off one date greets the editor with an empty form, not with an error,
and still says so when the reason is left out."""

from django.urls import reverse

from activities.models import Occurrence
from tests.activities.factories import make_activity


def test_calling_off_a_date_starts_without_errors_and_complains_only_after_sending(
    world, client_for
):
    activity = make_activity(organisation=world.organisation, title="Bloemschikken")
    occurrence = activity.occurrences.order_by("starts_at").first()
    url = reverse("activities:occurrence_cancel", args=[activity.slug, occurrence.original_date])
    client = client_for("editor")

    page = client.get(url).content.decode()
    assert "afgelasten" in page  # the form is there, in Dutch
    assert 'name="reason"' in page
    assert "Dit veld is verplicht" not in page
    assert 'class="form-errors"' not in page and 'aria-invalid="true"' not in page

    sent = client.post(url, {"reason": ""}).content.decode()
    assert "Dit veld is verplicht" in sent
    assert not Occurrence.objects.get(pk=occurrence.pk).is_cancelled
