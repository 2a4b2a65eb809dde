"""Template access to the permission helpers: `{% can "edit_organisation" org as may_edit %}`."""

from django import template

from network import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, obj=None) -> bool:
    check = getattr(permissions, f"can_{action}", None)
    if check is None:
        raise template.TemplateSyntaxError(f"No permission helper can_{action}")
    user = context.get("user")
    return check(user) if obj is None else check(user, obj)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced: for pagination links."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
