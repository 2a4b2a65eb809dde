"""Django admin for volunteering: superusers look things up; shifts are read-only, help
requests show no requester, and there is no export of anyone's contact details."""

from django.urls import reverse

from tests.volunteers.factories import HelpRequestFactory, ShiftFactory, TaskFactory
from volunteers.models import VolunteeringSettings


def test_admin_pages_for_a_superuser(world, client_for):
    task = TaskFactory(organisation=world.organisation)
    shift = ShiftFactory(task=task)
    request = HelpRequestFactory(organisation=world.organisation)
    settings = VolunteeringSettings.objects.create(organisation=world.organisation)
    client = client_for("superuser")
    for name, obj in [
        ("task", task),
        ("shift", shift),
        ("helprequest", request),
        ("volunteeringsettings", settings),
    ]:
        assert client.get(reverse(f"admin:volunteers_{name}_changelist")).status_code == 200
        assert (
            client.get(reverse(f"admin:volunteers_{name}_change", args=[obj.pk])).status_code == 200
        )
    # Shifts change through the services only; help requests are made on the site.
    assert client.get(reverse("admin:volunteers_shift_add")).status_code == 403
    assert client.get(reverse("admin:volunteers_helprequest_add")).status_code == 403
    before = shift.places
    client.post(reverse("admin:volunteers_shift_change", args=[shift.pk]), {"places": 99})
    shift.refresh_from_db()
    assert shift.places == before
    page = client.get(reverse("admin:volunteers_helprequest_change", args=[request.pk]))
    body = page.content.decode()
    assert request.requester_contact not in body and request.requester_name not in body
    changelist = client.get(reverse("admin:volunteers_helprequest_changelist")).content.decode()
    assert "export" not in changelist.lower()


def test_admin_is_for_superusers_only(world, client_for):
    for role in ("coordinator", "editor", "network_admin"):
        response = client_for(role).get(reverse("admin:volunteers_task_changelist"))
        assert response.status_code == 302
