"""The reference data sets of SPEC.md "Scale": `manage.py seed --scale village|region`."""

import io
from collections import Counter
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from network import seed as seeding
from network.models import Area, Membership, Municipality, Network, Organisation, Role, User

#: The demo accounts that sign in with a code (network.seed.TWO_STEP_DEMO_ACCOUNTS).
TWO_STEP_EMAILS = {
    email for key, email, *_ in seeding.DEMO_ACCOUNTS if key in seeding.TWO_STEP_DEMO_ACCOUNTS
}

BEESD = "beesd-voor-elkaar"
#: Generated volunteers have a number in their address: firstname.lastname.N@example.org.
VOLUNTEER_EMAIL = r"^[a-z]+\.[a-z]+\.[0-9]+@example\.org$"


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def village(db) -> str:
    return seed(scale="village")


def snapshot() -> dict:
    """What must come out the same for the same seed: names, slugs, people, memberships."""
    return {
        "organisations": sorted(
            Organisation.objects.values_list("slug", "name", "address", "phone")
        ),
        "networks": sorted(Network.objects.values_list("slug", "name", "tagline")),
        "areas": sorted(Area.objects.values_list("municipality__slug", "slug")),
        "users": sorted(User.objects.values_list("email", "name")),
        "memberships": sorted(
            Membership.objects.values_list("user__email", "role", "organisation__slug")
        ),
    }


def test_village_is_beesd_voor_elkaar_with_37_organisations(village):
    network = Network.objects.get()
    assert (network.slug, network.name) == (BEESD, "Beesd voor elkaar")
    assert network.municipality.name == "West Betuwe"
    assert {"Beesd", "Rumpt", "Gellicum"} <= set(network.areas.values_list("name", flat=True))
    assert network.tagline and network.description
    assert "eenzaam" not in f"{network.tagline} {network.description}".lower()
    assert Organisation.objects.count() == 37 == network.organisations.count()
    kinds = dict(Organisation.objects.values_list("name", "kind"))
    assert kinds["Buurtcentrum het Klokhuis"]
    assert kinds["Welzijn West Betuwe"] == Organisation.Kind.WELFARE
    assert kinds["Sociaal wijkteam Beesd"] == Organisation.Kind.WIJKTEAM
    assert kinds["Gemeente West Betuwe"] == Organisation.Kind.MUNICIPALITY
    assert kinds["Bibliotheek Rivierenland, vestiging Beesd"] == Organisation.Kind.LIBRARY
    assert "Beesd op stap" in kinds
    for org in Organisation.objects.all():
        assert org.description and org.address
        assert org.website.endswith(".example.org/") and org.email.endswith(".example.org")
    assert "Seeded village in" in village and "37 organisations" in village


def test_village_volunteers_help_at_one_or_two_organisations(village):
    volunteers = User.objects.filter(email__regex=VOLUNTEER_EMAIL)
    assert volunteers.count() == 150
    assert all(" " in name for name in volunteers.values_list("name", flat=True))
    per_user = Counter(
        Membership.objects.filter(user__in=volunteers).values_list("user_id", flat=True)
    )
    assert len(per_user) == 150 and set(per_user.values()) <= {1, 2}
    assert not Membership.objects.filter(user__in=volunteers).exclude(role=Role.VOLUNTEER)
    assert Membership.objects.filter(role=Role.VOLUNTEER).values("user").distinct().count() >= 150
    # Everyone can sign in at once: a verified, primary address for every account.
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == User.objects.count()


@pytest.mark.parametrize(
    ("email", "memberships"),
    [
        ("admin@example.org", set()),
        ("netwerk@example.org", {(Role.NETWORK_ADMIN, BEESD)}),
        ("redacteur@example.org", {(Role.EDITOR, "buurtcentrum-het-klokhuis")}),
        ("coordinator@example.org", {(Role.COORDINATOR, "welzijn-west-betuwe")}),
        (
            "vrijwilliger@example.org",
            {
                (Role.VOLUNTEER, "zorgcentrum-de-lingehof"),
                (Role.VOLUNTEER, "buurtcentrum-het-klokhuis"),
            },
        ),
        ("wijkteam@example.org", {(Role.WIJKTEAM, "sociaal-wijkteam-beesd")}),
        ("gemeente@example.org", {(Role.MUNICIPALITY, "gemeente-west-betuwe")}),
        ("bewoner@example.org", set()),
    ],
)
def test_demo_account_has_its_role_and_signs_in_with_demo(village, client, email, memberships):
    user = User.objects.get(email=email)
    assert user.name and user.language == "nl"
    held = {(m.role, m.scope.slug) for m in user.memberships.select_related("organisation")}
    assert held == memberships
    assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": email, "password": "demo"})
    assert response.status_code == 302
    if email in TWO_STEP_EMAILS:
        # These roles sign in with a second step; the README's command gives the code.
        assert response.url == reverse("mfa_authenticate")
        out = io.StringIO()
        call_command("demo_code", stdout=out)
        response = client.post(response.url, {"code": out.getvalue().split()[0]})
        assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    # The start page speaks to the role the account holds.
    start = client.get(response.url).content.decode()
    expected = {
        "admin@example.org": "Platformbeheer",
        "bewoner@example.org": "Wat u hier kunt doen",
    }.get(email) or f"Als {Role(next(iter(memberships))[0]).label}"
    assert expected in start


def test_only_the_admin_demo_account_may_use_django_admin(village):
    staff = User.objects.filter(is_staff=True)
    assert list(staff.values_list("email", "is_superuser")) == [("admin@example.org", True)]


@pytest.mark.parametrize("options", [{"scale": "village"}, {"scale": "region", "factor": 0.01}])
def test_same_seed_gives_the_same_data_and_another_seed_other_data(db, options):
    seed(**options)
    first = snapshot()
    seed(**options, flush=True)
    assert snapshot() == first
    seed(**options, flush=True, seed=2)
    second = snapshot()
    assert second["users"] != first["users"]
    assert second["memberships"] != first["memberships"]
    assert second["organisations"] != first["organisations"]


def test_small_region_has_the_scaled_counts(db):
    output = seed(scale="region", factor=0.01)
    # The village plus 1% of what the region adds to it.
    assert Municipality.objects.count() == 1
    assert Network.objects.count() == 2
    assert Organisation.objects.count() == 37 + 20
    assert User.objects.filter(email__regex=VOLUNTEER_EMAIL).count() == 150 + 99
    assert User.objects.count() == 150 + 99 + 8
    assert "2 networks, 57 organisations, 257 users" in output
    # The village network is part of the region, so the demo accounts work the same way.
    beesd = Network.objects.get(slug=BEESD)
    assert Membership.objects.get(user__email="netwerk@example.org").network == beesd
    other = Network.objects.exclude(pk=beesd.pk).get()
    assert other.areas.count() >= 3
    assert other.organisations.filter(kind=Organisation.Kind.WIJKTEAM).count() == 1
    networks_per_org = Organisation.objects.annotate(n=Count("networks")).values_list(
        "n", flat=True
    )
    assert min(networks_per_org) == 1 and max(networks_per_org) == 2


def test_region_volunteers_help_within_one_network(db):
    seed(scale="region", factor=0.01)
    volunteers = User.objects.filter(email__regex=VOLUNTEER_EMAIL)
    assert EmailAddress.objects.filter(user__in=volunteers, verified=True).count() == 249
    for user in volunteers.prefetch_related("memberships__organisation__networks"):
        orgs = [m.organisation for m in user.memberships.all()]
        assert 1 <= len(orgs) <= 2
        shared = set.intersection(*({n.pk for n in org.networks.all()} for org in orgs))
        assert shared


def test_refuses_to_seed_a_database_that_holds_networks(village):
    before = snapshot()
    with pytest.raises(CommandError, match="--flush"):
        seed(scale="village")
    assert snapshot() == before


def test_flush_replaces_what_was_there(world):
    with pytest.raises(CommandError, match="already holds 2 network"):
        seed(scale="village")
    seed(scale="village", flush=True)
    assert list(Network.objects.values_list("slug", flat=True)) == [BEESD]
    assert not User.objects.filter(email="outsider@example.org").exists()
    assert Organisation.objects.count() == 37
    assert User.objects.count() == 150 + 8


def test_a_failing_step_leaves_nothing_behind(db, monkeypatch):
    def broken(ctx: seeding.SeedContext) -> None:
        raise RuntimeError("step broke")

    monkeypatch.setattr(seeding, "registered_steps", lambda: [seeding.seed_network, broken])
    with pytest.raises(RuntimeError, match="step broke"):
        seed(scale="village")
    assert not Network.objects.exists() and not User.objects.exists()


def test_other_apps_register_steps_that_see_what_came_before(db, monkeypatch):
    seeding.registered_steps()  # import the apps' own seed modules before swapping the list
    monkeypatch.setattr(seeding, "_steps", list(seeding._steps))
    seen = {}

    @seeding.register_step
    def seed_coffee_mornings(ctx: seeding.SeedContext) -> None:
        seen["klokhuis"] = ctx.home["klokhuis"].name
        seen["volunteer"] = ctx.demo_users["vrijwilliger"].email
        seen["random"] = ctx.rng.random()
        ctx.counts["coffee mornings"] = 12

    assert seeding.registered_steps()[0] is seeding.seed_network
    assert seeding.registered_steps()[-1] is seed_coffee_mornings
    output = seed(scale="village")
    assert seen["klokhuis"] == "Buurtcentrum het Klokhuis"
    assert seen["volunteer"] == "vrijwilliger@example.org"
    assert "12 coffee mornings" in output
    # A step's generator depends on the seed and its name, not on the steps before it.
    name = f"{__name__}.{seed_coffee_mornings.__qualname__}"
    assert seen["random"] == seeding.random.Random(f"1:{name}").random()


@pytest.mark.parametrize(
    ("options", "message"),
    [({"scale": "region", "factor": 0}, "factor"), ({"scale": "town"}, "town")],
)
def test_bad_options_are_refused_with_a_message(db, options, message):
    with pytest.raises(CommandError, match=message):
        seed(**options)
    assert not Network.objects.exists()


def test_if_empty_leaves_existing_data_alone(db):
    call_command("seed", "--scale", "village", verbosity=0)
    out = StringIO()
    call_command("seed", "--scale", "village", "--if-empty", stdout=out)
    assert "nothing seeded" in out.getvalue()
    assert Network.objects.count() == 1


def test_seeding_is_refused_where_it_is_not_allowed(db, settings):
    settings.SEED_ALLOWED = False
    with pytest.raises(CommandError, match="SEED_ALLOWED"):
        call_command("seed", "--scale", "village", verbosity=0)
    assert not Network.objects.exists()
