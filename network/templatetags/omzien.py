"""Template access to the permission helpers: `{% can "edit_organisation" org as may_edit %}`."""

import logging

from django import template
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key

from network import permissions

register = template.Library()
logger = logging.getLogger(__name__)


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


class _FragmentCacheNode(template.Node):
    def __init__(self, nodelist, seconds, name: str, vary_on):
        self.nodelist, self.seconds, self.name, self.vary_on = nodelist, seconds, name, vary_on

    def render(self, context) -> str:
        key = make_template_fragment_key(self.name, [var.resolve(context) for var in self.vary_on])
        try:
            value = cache.get(key)
        except Exception:  # the cache is down: the page still renders, only slower
            logger.warning("fragment cache unavailable", exc_info=True)
            return self.nodelist.render(context)
        if value is None:
            value = self.nodelist.render(context)
            try:
                cache.set(key, value, int(self.seconds.resolve(context)))
            except Exception:
                logger.warning("fragment cache unavailable", exc_info=True)
        return value


@register.tag
def fragment_cache(parser, token):
    """`{% fragment_cache seconds name vary_on… %}`: Django's `{% cache %}`, except that a
    cache that is down renders the fragment instead of breaking the page (as the public
    page cache does, network.public_cache)."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("fragment_cache needs seconds and a name")
    nodelist = parser.parse(("endfragment_cache",))
    parser.delete_first_token()
    return _FragmentCacheNode(
        nodelist,
        parser.compile_filter(bits[1]),
        bits[2],
        [parser.compile_filter(bit) for bit in bits[3:]],
    )
