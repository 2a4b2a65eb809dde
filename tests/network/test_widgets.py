"""The fast widgets write the same HTML as Django's own, option for option."""

import pytest
from django import forms
from django.test.html import parse_html

from network.widgets import FastCheckboxSelectMultiple, FastSelect

CHOICES = [("", "Alle netwerken"), ("beesd", "Beesd voor elkaar"), ("x&y", 'Tiel <"samen">')]


@pytest.mark.parametrize("value", [None, "beesd", "x&y", "onbekend"])
def test_fast_select_writes_what_django_writes(value):
    attrs = {"id": "id_network", "class": "filter", "aria-describedby": "help"}
    django = forms.Select(choices=CHOICES).render("network", value, attrs=attrs)
    fast = FastSelect(choices=CHOICES).render("network", value, attrs=attrs)
    assert parse_html(fast) == parse_html(django)


@pytest.mark.parametrize("value", [None, [], ["beesd"], ["beesd", "x&y"]])
def test_fast_checkboxes_write_what_django_writes(value):
    choices = CHOICES[1:]
    attrs = {"id": "id_theme"}
    django = forms.CheckboxSelectMultiple(choices=choices).render("theme", value, attrs=attrs)
    fast = FastCheckboxSelectMultiple(choices=choices).render("theme", value, attrs=attrs)
    assert parse_html(fast) == parse_html(django)
