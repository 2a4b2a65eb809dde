from django.utils.functional import SimpleLazyObject

from .permissions import roles_of


def roles(request) -> dict:
    """The signed-in user's roles for navigation, read only when a template asks."""
    return {"my_roles": SimpleLazyObject(lambda: roles_of(request.user))}
