"""Writes for shared places and their rooms, kept by network administrators.

A place's slug never changes (links and feeds filter on it); a room something still uses
is not removed, so no activity silently loses its room.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from network import public_cache
from network.shared import DomainError, unique_slug

from .models import Place, Room

#: What a network administrator may set on a place (rooms go separately).
PLACE_FIELDS = (
    "name",
    "address",
    "postcode",
    "town",
    "area",
    "wheelchair_accessible",
    "hearing_loop",
    "accessible_toilet",
    "latitude",
    "longitude",
)


def unique_place_slug(name: str, town: str = "") -> str:
    """ "het-klokhuis-beesd"; the town keeps two village halls of the same name apart."""
    text = f"{name} {town}" if town and slugify(town) not in slugify(name) else name
    return unique_slug(Place, text, fallback="plaats", max_length=140)


def _check_place(place: Place) -> None:
    if not slugify(place.name):
        raise DomainError(_("Use at least one letter or digit in the name."))
    if place.area_id and place.area.municipality_id != place.municipality_id:
        raise DomainError(_("That village or neighbourhood lies in another municipality."))
    if (place.latitude is None) != (place.longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."))
    twins = Place.objects.filter(
        municipality_id=place.municipality_id,
        name__iexact=place.name,
        town__iexact=place.town,
    ).exclude(pk=place.pk)
    if twins.exists():
        raise DomainError(
            _("There is already a place called %(name)s here. Edit that one instead.")
            % {"name": place.name}
        )


def _check_room_names(names: list[str]) -> list[str]:
    names = [name.strip() for name in names]
    if any(not name for name in names):
        raise DomainError(_("Give every room a name."))
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise DomainError(_("Two rooms are called %(name)s.") % {"name": name})
        seen.add(name.casefold())
    return names


@transaction.atomic
def create_place(*, municipality, data: dict, rooms: list[str] | tuple[str, ...] = ()) -> Place:
    """A shared place of a municipality, with its rooms, e.g. het Klokhuis: "Grote zaal"."""
    public_cache.changed(choices=True)
    place = Place(municipality=municipality, **{k: v for k, v in data.items() if k in PLACE_FIELDS})
    place.name = place.name.strip()
    _check_place(place)
    names = _check_room_names(list(rooms))
    place.slug = unique_place_slug(place.name, place.town)
    place.save()
    Room.objects.bulk_create([Room(place=place, name=name) for name in names])
    return place


@transaction.atomic
def update_place(
    *, place: Place, data: dict, rooms: list[tuple[int | None, str]] | None = None
) -> Place:
    """Change a place; its slug stays, so links and feeds filtered on it keep working.

    `rooms` is the complete list of rooms after saving, as (id or None for a new room, name).
    A room left out is removed, unless an activity or a coming date uses it: then the
    administrator has to move those first, so no activity silently loses its room.
    """
    public_cache.changed(choices=True)
    for name, value in data.items():
        if name in PLACE_FIELDS:
            setattr(place, name, value)
    place.name = place.name.strip()
    _check_place(place)
    place.save()
    if rooms is not None:
        _update_rooms(place, rooms)
    return place


def _update_rooms(place: Place, rooms: list[tuple[int | None, str]]) -> None:
    current = {room.pk: room for room in Room.objects.select_for_update().filter(place=place)}
    names = _check_room_names([name for _pk, name in rooms])
    kept: dict[int, str] = {}
    added: list[str] = []
    for (pk, _name), name in zip(rooms, names, strict=True):
        if pk is None:
            added.append(name)
        elif pk in current and pk not in kept:
            kept[pk] = name
        else:
            raise DomainError(_("That room does not belong to this place."))
    removed = [room for pk, room in current.items() if pk not in kept]
    if removed:
        in_use = (
            Room.objects.filter(pk__in=[room.pk for room in removed])
            .filter(Q(activities__isnull=False) | Q(occurrences__starts_at__gte=timezone.now()))
            .distinct()
            .values_list("name", flat=True)
        )
        if in_use:
            raise DomainError(
                _(
                    "Activities still use this room: %(names)s. Give those activities another "
                    "room first."
                )
                % {"names": ", ".join(sorted(in_use))}
            )
        Room.objects.filter(pk__in=[room.pk for room in removed]).delete()
    renamed = [current[pk] for pk, name in kept.items() if current[pk].name != name]
    # Two steps, so swapping two names never trips the unique constraint half-way.
    for room in renamed:
        room.name = f"~{room.pk}~"
    Room.objects.bulk_update(renamed, ["name"])
    for room in renamed:
        room.name = kept[room.pk]
    Room.objects.bulk_update(renamed, ["name"])
    Room.objects.bulk_create([Room(place=place, name=name) for name in added])
