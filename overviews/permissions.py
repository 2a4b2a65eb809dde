"""Who may see which overview: staff of the municipality (and superusers), for the
municipality itself and for its networks and organisations; everyone else gets a 404.

Built on `network.permissions.can_view_overviews` (a network's figures), with the same
role set; the figures are aggregates only, so no role sees a person here."""

from __future__ import annotations

from network.models import Municipality, Network, Organisation
from network.permissions import AnyUser, can_view_overviews, roles_of


def can_view_municipality_overview(user: AnyUser, municipality: Municipality) -> bool:
    """The figures of a whole municipality: its staff."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return municipality.pk in roles_of(user).municipality_ids


def can_view_network_overview(user: AnyUser, municipality: Municipality, network: Network) -> bool:
    """A network's figures, reached through its own municipality only."""
    return network.municipality_id == municipality.pk and can_view_overviews(user, network)


def can_view_organisation_overview(
    user: AnyUser, municipality: Municipality, organisation: Organisation
) -> bool:
    """An organisation's figures within the municipality: one based there or taking part
    in one of its networks (uses a prefetch of `networks`)."""
    if not can_view_municipality_overview(user, municipality):
        return False
    return organisation.municipality_id == municipality.pk or any(
        network.municipality_id == municipality.pk for network in organisation.networks.all()
    )
