"""Form widgets that render their options in Python.

Django renders every <option> and every checkbox of a choice field through a template of
its own: a network dropdown with a hundred networks is a hundred template renders, which
made up half the time of a region's agenda page before the cache had it. These widgets
write the very same HTML (same attributes, same ids, same escaping) with format_html.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> SafeString:
    """Boolean attributes as Django writes them: `selected`, not `selected="True"`."""
    plain = {name: value for name, value in attrs.items() if value not in (True, False, None)}
    flags = "".join(f" {name}" for name, value in attrs.items() if value is True)
    return mark_safe(flatatt(plain) + flags)


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        context = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            (
                (str(option["value"]), _attrs(option["attrs"]), option["label"])
                for _group, choices, _index in context["optgroups"]
                for option in choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', context["name"], _attrs(context["attrs"]), options
        )


class FastCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        context = self.get_context(name, value, attrs)["widget"]
        boxes = format_html_join(
            "",
            '<div>\n    <label{}><input type="checkbox" name="{}" value="{}"{}> {}</label></div>',
            (
                (
                    format_html(' for="{}"', option["attrs"]["id"])
                    if option["attrs"].get("id")
                    else "",
                    option["name"],
                    str(option["value"]),
                    _attrs(option["attrs"]),
                    option["label"],
                )
                for _group, choices, _index in context["optgroups"]
                for option in choices
            ),
        )
        outer = context["attrs"]
        return format_html(
            "<div{}{}>{}\n</div>",
            format_html(' id="{}"', outer["id"]) if outer.get("id") else "",
            format_html(' class="{}"', outer["class"]) if outer.get("class") else "",
            boxes,
        )
