"""The volunteer lists write their dates themselves (volunteers.cards._day) for speed: the
words must stay exactly what Django's date_format writes, in every language."""

from datetime import datetime, timedelta

import pytest
from django.utils import translation
from django.utils.formats import date_format

from volunteers.cards import _day

FORMS = {
    "l j F": {"weekday": True},
    "j F": {},
    "j F H:i": {"clock": True},
    "l j F Y": {"weekday": True, "year": True},
    "j F Y": {"year": True},
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dates_read_as_date_format_writes_them(language):
    start = datetime(2026, 1, 1, 7, 5)
    with translation.override(language):
        for n in range(0, 366, 5):  # every month and weekday
            moment = start + timedelta(days=n, minutes=37 * n)
            for form, options in FORMS.items():
                assert _day(moment, **options) == date_format(moment, form), (form, moment)
