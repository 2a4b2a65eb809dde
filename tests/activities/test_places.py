"""Network administrators keep the shared places of their municipality and their rooms."""

from decimal import Decimal

import pytest
from django.urls import reverse

from activities.models import Place, Room
from tests.activities.factories import PlaceFactory, RoomFactory, make_activity
from tests.factories import AreaFactory, NetworkFactory

ROLES_WITHOUT_ACCESS = [
    "resident",
    "volunteer",
    "editor",
    "coordinator",
    "wijkteam",
    "municipality",
    "outsider",
]


@pytest.fixture
def admin_client(client_for):
    return client_for("network_admin")


@pytest.fixture
def klokhuis(world):
    place = PlaceFactory(
        name="Buurtcentrum het Klokhuis",
        slug="het-klokhuis",
        town="Beesd",
        municipality=world.municipality,
        wheelchair_accessible=True,
    )
    for name in ("Grote zaal", "Kleine zaal", "Keuken"):
        RoomFactory(place=place, name=name)
    return place


def management(total: int, initial: int) -> dict:
    return {
        "rooms-TOTAL_FORMS": str(total),
        "rooms-INITIAL_FORMS": str(initial),
        "rooms-MIN_NUM_FORMS": "0",
        "rooms-MAX_NUM_FORMS": "30",
    }


def place_post(rooms: list[dict] | None = None, initial: int = 0, **fields) -> dict:
    """A complete form as the browser sends it; `rooms` rows as {"id":..,"name":..,"DELETE":..}."""
    rooms = rooms or []
    data = {
        "name": "Sporthal De Lingeborg",
        "address": "Sportlaan 4",
        "postcode": "4153 ab",
        "town": "Beesd",
        "area": "",
        "latitude": "",
        "longitude": "",
        **management(len(rooms), initial),
    }
    for index, room in enumerate(rooms):
        data[f"rooms-{index}-id"] = room.get("id", "")
        data[f"rooms-{index}-name"] = room.get("name", "")
        if room.get("DELETE"):
            data[f"rooms-{index}-DELETE"] = "on"
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def urls(place_slug: str = "het-klokhuis") -> list[str]:
    return [
        reverse("activities:place_list", args=["beesd"]),
        reverse("activities:place_create", args=["beesd"]),
        reverse("activities:place_edit", args=["beesd", place_slug]),
    ]


# Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["network_admin", "superuser"])
def test_network_administrators_manage_places(client_for, klokhuis, role):
    client = client_for(role)
    for url in urls():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_everyone_else_gets_not_found(client_for, klokhuis, role):
    client = client_for(role)
    for url in urls():
        assert client.get(url).status_code == 404, url
        assert client.post(url, place_post()).status_code == 404, url
    assert Place.objects.count() == 1
    assert Place.objects.get().name == "Buurtcentrum het Klokhuis"


def test_anonymous_visitors_are_asked_to_sign_in(client_for, klokhuis):
    client = client_for("anonymous")
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    client.post(urls()[1], place_post())
    assert Place.objects.count() == 1


def test_the_administrator_of_another_network_gets_not_found(client_for, klokhuis, world):
    client = client_for("outsider")  # administers "elders"
    assert client.get(reverse("activities:place_list", args=["elders"])).status_code == 200
    assert client.get(urls()[0]).status_code == 404
    # Nor can the place be reached through their own network: it lies in another municipality.
    url = reverse("activities:place_edit", args=["elders", "het-klokhuis"])
    assert client.get(url).status_code == 404
    assert client.post(url, place_post(name="Gekaapt")).status_code == 404
    klokhuis.refresh_from_db()
    assert klokhuis.name == "Buurtcentrum het Klokhuis"


def test_unknown_network_or_place_is_not_found(admin_client, world):
    assert admin_client.get(reverse("activities:place_list", args=["nergens"])).status_code == 404
    url = reverse("activities:place_edit", args=["beesd", "bestaat-niet"])
    assert admin_client.get(url).status_code == 404


# The list --------------------------------------------------------------------------------


def test_list_shows_the_places_of_the_municipality_with_rooms_and_facts(
    admin_client, world, klokhuis
):
    # Another network in the same municipality shares the places; another municipality not.
    NetworkFactory(slug="rumpt", municipality=world.municipality)
    PlaceFactory(name="Dorpshuis Rumpt", municipality=world.municipality, hearing_loop=True)
    PlaceFactory(name="Dorpshuis Elders", municipality=world.other_network.municipality)
    make_activity(organisation=world.organisation, title="Bingo", place=klokhuis)
    response = admin_client.get(urls()[0])
    page = response.content.decode()
    assert [p.name for p in response.context["page"]] == [
        "Buurtcentrum het Klokhuis",
        "Dorpshuis Rumpt",
    ]
    assert "Grote zaal, Keuken, Kleine zaal" in page
    assert "Dorpshuis Elders" not in page
    assert response.context["page"][0].activity_count == 1
    assert reverse("activities:place_edit", args=["beesd", "het-klokhuis"]) in page


def test_list_runs_a_constant_number_of_queries(admin_client, world, django_assert_max_num_queries):
    def fill(count: int) -> None:
        for _ in range(count):
            place = PlaceFactory(
                municipality=world.municipality, area=AreaFactory(municipality=world.municipality)
            )
            RoomFactory(place=place)
            RoomFactory(place=place)

    fill(2)
    admin_client.get(urls()[0])  # the session and the roles, warmed up
    with django_assert_max_num_queries(10) as small:
        admin_client.get(urls()[0])
    fill(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(urls()[0])
    assert len(response.context["page"]) == 42


# Adding and editing ----------------------------------------------------------------------


def test_admin_adds_a_place_with_rooms_and_accessibility(admin_client, world):
    beesd = AreaFactory(municipality=world.municipality, name="Beesd")
    response = admin_client.post(
        urls()[1],
        place_post(
            rooms=[{"name": " Zaal A "}, {"name": "Zaal B"}, {"name": ""}],
            area=str(beesd.pk),
            wheelchair_accessible="on",
            hearing_loop="on",
            accessible_toilet="on",
            latitude="51.887210",
            longitude="5.192840",
        ),
    )
    assert response.status_code == 302
    assert response.url == urls()[0]
    place = Place.objects.get()
    assert (place.name, place.slug, place.postcode) == (
        "Sporthal De Lingeborg",
        "sporthal-de-lingeborg-beesd",
        "4153 AB",
    )
    assert place.municipality == world.municipality and place.area == beesd
    assert place.wheelchair_accessible and place.hearing_loop and place.accessible_toilet
    assert (place.latitude, place.longitude) == (Decimal("51.887210"), Decimal("5.192840"))
    assert sorted(place.rooms.values_list("name", flat=True)) == ["Zaal A", "Zaal B"]
    assert "Sporthal De Lingeborg" in admin_client.get(response.url).content.decode()

    # The same name in another town is another place, with its own address.
    admin_client.post(urls()[1], place_post(town="Rumpt"))
    assert Place.objects.filter(slug="sporthal-de-lingeborg-rumpt").exists()


def test_the_edit_page_shows_the_place_and_its_rooms(admin_client, klokhuis):
    response = admin_client.get(urls()[2])
    page = response.content.decode()
    assert 'value="Buurtcentrum het Klokhuis"' in page
    for name in ("Grote zaal", "Kleine zaal", "Keuken"):
        assert f'value="{name}"' in page
    assert page.count('type="checkbox" name="rooms-') == 3  # "remove" for each room
    assert response.context["rooms"].total_form_count() == 5  # three rooms, two empty rows


def rows(place: Place, changes: dict[str, dict] | None = None) -> list[dict]:
    changes = changes or {}
    return [
        {"id": str(room.pk), "name": room.name, **changes.get(room.name, {})}
        for room in place.rooms.order_by("name")
    ]


def test_admin_renames_removes_and_adds_rooms(admin_client, klokhuis):
    before_ids = dict(klokhuis.rooms.values_list("name", "pk"))
    data = place_post(
        rooms=[
            *rows(
                klokhuis,
                {"Grote zaal": {"name": "Theaterzaal"}, "Keuken": {"DELETE": True}},
            ),
            {"name": "Serre"},
            {"name": ""},
        ],
        initial=3,
        name="Buurtcentrum het Klokhuis",
        town="Beesd",
        hearing_loop="on",
    )
    response = admin_client.post(urls()[2], data)
    assert response.status_code == 302
    klokhuis.refresh_from_db()
    assert klokhuis.slug == "het-klokhuis"  # links and feeds keep working
    assert klokhuis.hearing_loop and not klokhuis.wheelchair_accessible
    rooms = dict(klokhuis.rooms.values_list("name", "pk"))
    assert set(rooms) == {"Theaterzaal", "Kleine zaal", "Serre"}
    assert rooms["Theaterzaal"] == before_ids["Grote zaal"]  # renamed, not replaced
    assert not Room.objects.filter(pk=before_ids["Keuken"]).exists()


def test_two_rooms_can_swap_names(admin_client, klokhuis):
    data = place_post(
        rooms=rows(
            klokhuis,
            {"Grote zaal": {"name": "Kleine zaal"}, "Kleine zaal": {"name": "Grote zaal"}},
        ),
        initial=3,
        name="Buurtcentrum het Klokhuis",
    )
    ids = dict(klokhuis.rooms.values_list("name", "pk"))
    assert admin_client.post(urls()[2], data).status_code == 302
    assert dict(klokhuis.rooms.values_list("pk", "name")) == {
        ids["Grote zaal"]: "Kleine zaal",
        ids["Kleine zaal"]: "Grote zaal",
        ids["Keuken"]: "Keuken",
    }


def test_a_room_in_use_is_not_removed_and_nothing_is_saved(admin_client, world, klokhuis):
    hall = klokhuis.rooms.get(name="Grote zaal")
    make_activity(organisation=world.organisation, title="Bingo", place=klokhuis, room=hall)
    data = place_post(
        rooms=rows(klokhuis, {"Grote zaal": {"DELETE": True}}),
        initial=3,
        name="Het Klokhuis (nieuw)",
    )
    response = admin_client.post(urls()[2], data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("Grote zaal" in error for error in errors)
    klokhuis.refresh_from_db()
    assert klokhuis.name == "Buurtcentrum het Klokhuis"
    assert klokhuis.rooms.filter(pk=hall.pk).exists()
    assert "Grote zaal" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "field_with_error"),
    [
        ({"name": "  "}, "name"),
        ({"name": "!!!"}, "name"),
        ({"postcode": "41533"}, "postcode"),
        ({"latitude": "51.88"}, "longitude"),
        ({"latitude": "123", "longitude": "5.19"}, "latitude"),
        ({"latitude": "51.88", "longitude": "oost"}, "longitude"),
        ({"area": "other-municipality"}, "area"),
        ({"wheelchair_accessible": "on", "name": "x" * 151}, "name"),
    ],
)
def test_bad_place_input_is_explained_and_nothing_saved(
    admin_client, world, fields, field_with_error
):
    if fields.get("area") == "other-municipality":
        fields["area"] = str(AreaFactory(municipality=world.other_network.municipality).pk)
    response = admin_client.post(urls()[1], place_post(rooms=[{"name": "Zaal"}], **fields))
    assert response.status_code == 200
    assert field_with_error in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert not Place.objects.exists() and not Room.objects.exists()


@pytest.mark.parametrize(
    "rooms",
    [
        [{"name": "Zaal"}, {"name": "zaal "}],  # the same name twice
        [{"name": "x" * 101}],
    ],
)
def test_bad_room_input_is_explained_and_nothing_saved(admin_client, world, rooms):
    response = admin_client.post(urls()[1], place_post(rooms=rooms))
    assert response.status_code == 200
    assert response.context["rooms"].total_error_count()
    assert not Place.objects.exists() and not Room.objects.exists()


def test_an_existing_room_needs_a_name_or_a_tick(admin_client, klokhuis):
    data = place_post(
        rooms=rows(klokhuis, {"Keuken": {"name": ""}}), initial=3, name="Buurtcentrum"
    )
    response = admin_client.post(urls()[2], data)
    assert response.status_code == 200
    assert response.context["rooms"].total_error_count() == 1
    assert klokhuis.rooms.count() == 3


def test_a_room_of_another_place_cannot_be_taken_over(admin_client, world, klokhuis):
    elsewhere = RoomFactory(name="Consistorie")
    data = place_post(
        rooms=[*rows(klokhuis), {"id": str(elsewhere.pk), "name": "Gestolen"}],
        initial=3,
        name="Buurtcentrum het Klokhuis",
    )
    response = admin_client.post(urls()[2], data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    elsewhere.refresh_from_db()
    assert elsewhere.name == "Consistorie" and elsewhere.place != klokhuis


def test_a_second_place_with_the_same_name_is_refused(admin_client, klokhuis):
    response = admin_client.post(
        urls()[1], place_post(name="buurtcentrum het klokhuis", town="beesd")
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Place.objects.count() == 1


def test_a_broken_form_without_room_rows_is_refused_without_an_error_page(admin_client, world):
    data = place_post()
    for key in list(data):
        if key.startswith("rooms-"):
            del data[key]
    response = admin_client.post(urls()[1], data)
    assert response.status_code == 200
    assert response.context["rooms"].non_form_errors()
    assert not Place.objects.exists()
