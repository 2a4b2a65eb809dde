"""Scoping by one rule: for every role and object, a list (`visible_to`, `editable_by`,
`managed_by`, ...) contains exactly what the matching `can_…` helper allows, so a list can
never show what its detail page would refuse, or hide what it would show."""

import pytest
from django.contrib.auth.models import AnonymousUser

from activities import permissions as activity_permissions
from activities.models import Activity, Registration, Status
from network import permissions
from network.models import Membership, Network, Organisation
from tests.activities.factories import make_activity
from tests.conftest import ROLE_NAMES
from tests.factories import OrganisationFactory

ROLES = sorted(set(ROLE_NAMES) | {"outsider"})


def _user(world, role):
    return AnonymousUser() if role == "anonymous" else world.users[role]


@pytest.fixture
def activities(world):
    inactive = OrganisationFactory(name="Opgeheven", networks=[world.network], is_active=False)
    made = [
        make_activity(organisation=world.organisation, title="Gepubliceerd"),
        make_activity(organisation=world.organisation, title="Concept", status=Status.DRAFT),
        make_activity(organisation=world.organisation, title="Wacht", status=Status.SUBMITTED),
        make_activity(organisation=world.other_organisation, title="Elders"),
        make_activity(
            organisation=world.other_organisation, title="Elders concept", status="draft"
        ),
        make_activity(organisation=inactive, title="Van opgeheven club"),
    ]
    shared = make_activity(
        organisation=world.other_organisation, title="Samen", status=Status.DRAFT
    )
    shared.co_organisers.add(world.organisation)
    cancelled = make_activity(organisation=world.organisation, title="Afgelast")
    Activity.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    return [*made, shared, cancelled]


@pytest.mark.parametrize("role", ROLES)
def test_activity_lists_follow_the_helpers(world, activities, role):
    user = _user(world, role)
    pairs = [
        (activity_permissions.can_view_activity, Activity.objects.visible_to(user)),
        (activity_permissions.can_edit_activity, Activity.objects.editable_by(user)),
        (activity_permissions.can_moderate_activity, Activity.objects.moderated_by(user)),
    ]
    for helper, listed in pairs:
        listed_ids = set(listed.values_list("pk", flat=True))
        assert len(listed_ids) == listed.count(), "a list must not repeat a row"
        for activity in Activity.objects.prefetch_related(
            "co_organisers", "organisation__networks"
        ):
            assert helper(user, activity) is (activity.pk in listed_ids), (
                helper.__name__,
                activity,
            )


@pytest.mark.parametrize("role", ROLES)
def test_registration_lists_follow_the_helper(world, activities, role):
    user = _user(world, role)
    for activity in activities[:5]:
        Registration.objects.create(
            occurrence=activity.occurrences.first(),
            name="Truus",
            phone="0612345678",
            status="confirmed",
        )
    listed = set(Registration.objects.visible_to(user).values_list("pk", flat=True))
    for registration in Registration.objects.select_related("occurrence__activity"):
        allowed = activity_permissions.can_view_registrations(
            user, registration.occurrence.activity
        )
        assert allowed is (registration.pk in listed)


@pytest.mark.parametrize("role", ROLES)
def test_organisation_and_network_lists_follow_the_helpers(world, role):
    OrganisationFactory(name="Opgeheven", networks=[world.network], is_active=False)
    user = _user(world, role)
    organisations = Organisation.objects.prefetch_related("networks")
    checks = [
        (permissions.can_edit_organisation, Organisation.objects.editable_by(user)),
        (permissions.can_manage_organisation, Organisation.objects.managed_by(user)),
        (
            lambda u, o: o.is_active or permissions.can_manage_organisation(u, o),
            Organisation.objects.visible_to(user),
        ),
    ]
    for helper, listed in checks:
        ids = set(listed.values_list("pk", flat=True))
        for organisation in organisations:
            assert helper(user, organisation) is (organisation.pk in ids), organisation
    for helper, listed in (
        (permissions.can_manage_network, Network.objects.managed_by(user)),
        (permissions.can_view_overviews, Network.objects.with_overviews_for(user)),
    ):
        ids = set(listed.values_list("pk", flat=True))
        for network in Network.objects.all():
            assert helper(user, network) is (network.pk in ids), network


def test_memberships_in_a_network_are_its_own_and_its_organisations(world):
    listed = set(Membership.objects.in_network(world.network))
    expected = {
        m
        for m in Membership.objects.select_related("organisation")
        if m.network_id == world.network.pk
        or (m.organisation and world.network in m.organisation.networks.all())
    }
    assert listed == expected
    assert not any(m.scope in (world.other_network, world.other_organisation) for m in listed)
