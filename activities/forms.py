"""Forms for editors and network administrators of the agenda.

The schedule is asked in plain words (once, every week, every third Thursday...) and
checked by recurrence.validate, so an editor learns what is wrong before anything is
saved. Views pass cleaned data to services; these forms never save themselves.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from network.models import Network, Organisation

from . import images, recurrence, registrations, services
from .importing.fetch import check_feed_url
from .importing.problems import FeedError
from .models import Activity, Frequency, Place, Room, Theme

#: A first date further back than this is a typing error more often than not (and the
#: schedule would be expanded through years nobody needs).
MAX_YEARS_BACK = 5
MAX_YEARS_AHEAD = 5

SCHEDULE_FIELDS = list(services.SCHEDULE_FIELDS)

ORDINAL_CHOICES = [
    ("", _("— choose —")),
    (1, _("the first")),
    (2, _("the second")),
    (3, _("the third")),
    (4, _("the fourth")),
    (5, _("the fifth")),
    (-1, _("the last")),
]

FREQUENCY_LABELS = {
    Frequency.ONCE: _("Once"),
    Frequency.DAILY: _("Every day"),
    Frequency.WEEKLY: _("Every week, on the same weekday"),
    Frequency.BIWEEKLY: _("Every other week, on the same weekday"),
    Frequency.MONTHLY_DATE: _("Every month on the same date (for example the 15th)"),
    Frequency.MONTHLY_WEEKDAY: _(
        "Every month on the same weekday (for example the third Thursday)"
    ),
}

_DATE_SPLIT = re.compile(r"[\s,;]+")
#: Line breaks (of any kind) and other control characters, with the spaces around them.
_BREAKS = re.compile(r"\s*[\x00-\x1f\x7f\x85\u2028\u2029]+\s*")
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")


class DateListField(forms.CharField):
    """Dates typed one per line (or separated by commas), stored as ISO strings in JSON."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        days: set[date] = set()
        for part in _DATE_SPLIT.split(text.strip()):
            if not part:
                continue
            days.add(self._parse(part))
        return [day.isoformat() for day in sorted(days)]

    @staticmethod
    def _parse(text: str) -> date:
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise forms.ValidationError(
            _("“%(text)s” is not a date we understand. Write dates like 24-12-2026.")
            % {"text": text[:30]},
            code="invalid_date",
        )

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(
                date_format(day, "d-m-Y") for day in recurrence.parse_dates(sorted(value))
            )
        return value

    def has_changed(self, initial, data) -> bool:
        try:
            return sorted(initial or []) != self.to_python(data)
        except forms.ValidationError:
            return True


class ScheduleForm(forms.ModelForm):
    """When an activity takes place. On its own it powers the preview of the next dates."""

    exception_dates = DateListField(
        label=_("Skipped dates"),
        required=False,
        help_text=_("Dates on which it does not take place, one per line, like 24-12-2026."),
    )
    monthly_ordinal = forms.TypedChoiceField(
        label=_("Which weekday of the month"),
        choices=ORDINAL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Only for “every month on the same weekday”. Empty: the weekday of the first date."
        ),
    )
    count = forms.IntegerField(
        label=_("Number of times"),
        min_value=1,
        max_value=recurrence.MAX_DATES,
        required=False,
        help_text=_("Or leave empty and give a last date; both empty: no end."),
    )

    class Meta:
        model = Activity
        fields = SCHEDULE_FIELDS
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "frequency": forms.RadioSelect,
        }
        labels = {"until": _("Last date")}
        help_texts = {
            "start_date": _("The first time it takes place."),
            "start_time": _("Empty: the whole day."),
            "until": _("Empty: it keeps going."),
        }

    def __init__(self, *args, is_new: bool | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: New activities must have a date to come; an old series may lie in the past.
        self.is_new = self.instance.pk is None if is_new is None else is_new
        self.fields["frequency"].choices = [
            (value, FREQUENCY_LABELS[value]) for value in Frequency.values
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        self._clean_times(cleaned)
        if not self.errors.keys() & set(SCHEDULE_FIELDS):
            self._clean_schedule(cleaned)
        return cleaned

    def _clean_times(self, cleaned: dict) -> None:
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if end is not None and start is None and "start_time" not in self.errors:
            self.add_error("start_time", _("Fill in the start time as well."))
        elif start is not None and end is not None and end <= start:
            self.add_error(
                "end_time", _("The end time lies before the start time. Check both times.")
            )

    def _clean_schedule(self, cleaned: dict) -> None:
        start = cleaned.get("start_date")
        frequency = cleaned.get("frequency")
        if start is None or not frequency:
            return
        today = timezone.localdate()
        if start.year < today.year - MAX_YEARS_BACK:
            self.add_error(
                "start_date",
                _("The first date lies too far in the past. Give the next date instead."),
            )
            return
        if start.year > today.year + MAX_YEARS_AHEAD or (
            cleaned.get("until") and cleaned["until"].year > today.year + MAX_YEARS_AHEAD
        ):
            field = "start_date" if start.year > today.year + MAX_YEARS_AHEAD else "until"
            self.add_error(field, _("That date lies too far ahead. Check the year."))
            return
        if frequency == Frequency.ONCE:
            # One date needs no end, no skipped dates and no weekday of the month.
            cleaned.update(until=None, count=None, monthly_ordinal=None, exception_dates=[])
        elif cleaned.get("until") and cleaned.get("count"):
            self.add_error(
                "count", _("Give a last date or a number of times, not both. Empty one of them.")
            )
            return
        if frequency != Frequency.MONTHLY_WEEKDAY:
            cleaned["monthly_ordinal"] = None
        elif cleaned.get("monthly_ordinal") is None:
            cleaned["monthly_ordinal"] = recurrence.ordinal_of(start)
        schedule = self.schedule()
        try:
            recurrence.validate(schedule)
        except recurrence.RecurrenceError as error:
            self.add_error(self._field_for(schedule), str(error))
            return
        if self.is_new and not any(True for _ in recurrence.expand(schedule, start=today, limit=1)):
            self.add_error(
                "start_date",
                _("All dates of this schedule lie in the past. Give a date still to come."),
            )

    @staticmethod
    def _field_for(schedule: recurrence.Schedule) -> str | None:
        """The field a schedule refusal belongs to, so the message appears next to it."""
        if schedule.until and schedule.until < schedule.start_date:
            return "until"
        if schedule.count is not None and schedule.count < 1:
            return "count"
        if schedule.frequency == Frequency.MONTHLY_WEEKDAY and (
            schedule.monthly_ordinal not in recurrence.ORDINAL_CHOICES
            or recurrence.nth_weekday(
                schedule.start_date.year,
                schedule.start_date.month,
                schedule.start_date.weekday(),
                schedule.monthly_ordinal,
            )
            != schedule.start_date
        ):
            return "monthly_ordinal"
        if schedule.exception_dates:
            return "exception_dates"
        return None

    def schedule(self) -> recurrence.Schedule:
        """The schedule from the cleaned data (call after is_valid)."""
        cleaned = self.cleaned_data
        return recurrence.Schedule(
            start_date=cleaned["start_date"],
            frequency=cleaned["frequency"],
            monthly_ordinal=cleaned.get("monthly_ordinal"),
            until=cleaned.get("until"),
            count=cleaned.get("count"),
            exception_dates=frozenset(recurrence.parse_dates(cleaned.get("exception_dates") or [])),
        )

    def timing(self) -> Activity:
        """An unsaved activity with just the times: what services.occurrence_times needs."""
        return Activity(
            start_time=self.cleaned_data.get("start_time"),
            end_time=self.cleaned_data.get("end_time"),
        )


def places_for(organisation: Organisation, *, include_id: int | None = None):
    """Places in the municipalities the organisation works in (uses a `networks` prefetch).

    Places are shared records kept by network administrators; an editor picks one. The
    current place of an activity stays available even when it lies elsewhere.
    """
    municipality_ids = {organisation.municipality_id} | {
        network.municipality_id for network in organisation.networks.all()
    }
    condition = Q(municipality_id__in=municipality_ids)
    if include_id:
        condition |= Q(pk=include_id)
    return Place.objects.filter(condition)


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Room) -> str:
        return f"{obj.place.name}: {obj.name}"


ROOM_HELP = _("Only for a place with rooms; the room must be in the place you chose.")


def offer_rooms(form: forms.BaseForm, places, *, default_place: Place | None = None) -> None:
    """The room list follows the chosen place: only its rooms are offered (all rooms of the
    places on offer when none is chosen; `default_place` when the form's empty place means
    a usual one). Validation still accepts any room of those places, so a room of another
    place gets a clear message rather than "not one of the choices"."""
    field = form.fields["room"]
    field.queryset = (
        Room.objects.filter(place__in=places)
        .select_related("place")
        .order_by("place__name", "name")
    )
    field.empty_label = _("— no particular room —")
    chosen = form["place"].value()
    chosen = getattr(chosen, "pk", chosen) or getattr(default_place, "pk", None)
    try:
        chosen = int(chosen) if chosen not in (None, "") else None
    except (TypeError, ValueError):
        chosen = None
    if chosen is not None and 0 < chosen < 2**63:  # anything else is no row at all
        iterator = field.iterator(field)
        iterator.queryset = field.queryset.filter(place_id=chosen)
        field.widget.choices = iterator


def room_outside_place(place: Place) -> str:
    return _("This room is not in %(place)s. Choose a room of that place, or no room.") % {
        "place": place.name
    }


class PlaceRoomForm(forms.Form):
    """Only the place and room of an activity: what the preview of the dates needs to warn
    about another activity in the same room."""

    place = forms.ModelChoiceField(queryset=Place.objects.none(), required=False)
    room = RoomChoiceField(queryset=Room.objects.none(), required=False)

    def __init__(self, *args, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        offer_rooms(self, places)

    def clean(self) -> dict:
        cleaned = super().clean()
        place, room = cleaned.get("place"), cleaned.get("room")
        if room is not None and place is not None and room.place_id != place.pk:
            self.add_error("room", room_outside_place(place))
        return cleaned


class ActivityForm(ScheduleForm):
    """Everything about an activity an editor fills in, grouped in fieldsets."""

    FIELDSETS = [
        ("what", _("What"), ["title", "description", "theme", "target_group", "co_organisers"]),
        ("when", _("When"), SCHEDULE_FIELDS),
        ("where", _("Where"), ["place", "room", "location_note"]),
        (
            "cost",
            _("Cost and registration"),
            ["cost", "cost_note", "registration_required", "capacity"],
        ),
        ("contact", _("Contact"), ["contact_name", "contact_email", "contact_phone"]),
        (
            "accessibility",
            _("Accessibility"),
            [
                "wheelchair_accessible",
                "hearing_loop",
                "sign_language",
                "low_stimulus",
                "transport_available",
            ],
        ),
        ("image", _("Image"), ["image", "image_alt", "remove_image"]),
    ]

    cost = forms.DecimalField(
        label=_("Cost in euros"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty when it is free."),
    )
    capacity = forms.IntegerField(
        label=_("Places available"),
        min_value=1,
        required=False,
        help_text=_("Per date. Empty: no limit."),
    )
    room = RoomChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, help_text=ROOM_HELP
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A photo in JPEG, PNG or WebP, at most 8 MB. We remove location data."),
    )
    remove_image = forms.BooleanField(label=_("Remove the current image"), required=False)
    confirm_overlap = forms.BooleanField(
        label=_("Save anyway: we know about the other activity in this room"),
        required=False,
    )

    class Meta(ScheduleForm.Meta):
        fields = [
            "title",
            "description",
            "theme",
            "target_group",
            "co_organisers",
            *SCHEDULE_FIELDS,
            "place",
            "room",
            "location_note",
            "cost",
            "cost_note",
            "registration_required",
            "capacity",
            "contact_name",
            "contact_email",
            "contact_phone",
            "wheelchair_accessible",
            "hearing_loop",
            "sign_language",
            "low_stimulus",
            "transport_available",
            "image_alt",
        ]
        widgets = {
            **ScheduleForm.Meta.widgets,
            "description": forms.Textarea(attrs={"rows": 6}),
            "co_organisers": forms.CheckboxSelectMultiple,
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            **ScheduleForm.Meta.help_texts,
            "co_organisers": _("Other organisations of the network that organise this with you."),
            "location_note": _("For example: we leave from the church square."),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.processed_image: images.ProcessedImage | None = None
        # Organisations in the organiser's networks (plus co-organisers already chosen, so
        # an organisation that left or was deactivated is not silently dropped).
        network_ids = [network.pk for network in organisation.networks.all()]
        current = self.instance.co_organisers.all() if self.instance.pk else []
        self.fields["co_organisers"].queryset = (
            Organisation.objects.filter(
                Q(is_active=True, networks__in=network_ids) | Q(pk__in=[o.pk for o in current])
            )
            .exclude(pk=organisation.pk)
            .distinct()
            .order_by("name")
        )
        places = places_for(organisation, include_id=self.instance.place_id)
        self.fields["place"].queryset = places.order_by("name")
        self.fields["place"].empty_label = _("— no fixed place —")
        offer_rooms(self, places)
        if not (self.instance.pk and self.instance.image):
            del self.fields["remove_image"]

    # Fields ------------------------------------------------------------------------------

    def clean_image(self):
        """Only the cheap checks here; the picture is decoded in clean(), once the rest of
        the form is valid, so a form with mistakes never costs a decode."""
        upload = self.cleaned_data.get("image")
        if upload:
            images.check_upload(upload)
        return upload

    def _one_line(self, cleaned: dict) -> None:
        """A line break pasted into a one-line field (a title) becomes a space: everything
        that shows the field on one line (calendar files, e-mail subjects) relies on it."""
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(value, str) and not isinstance(field.widget, forms.Textarea):
                cleaned[name] = _BREAKS.sub(" ", value).strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        self._one_line(cleaned)
        place, room = cleaned.get("place"), cleaned.get("room")
        if room is not None and place is None:
            cleaned["place"] = room.place
        elif room is not None and room.place_id != place.pk:
            self.add_error(
                "room",
                _("This room is not in %(place)s. Choose a room of that place, or no room.")
                % {"place": place.name},
            )
        keeps_image = bool(self.instance.pk and self.instance.image) and not cleaned.get(
            "remove_image"
        )
        upload = cleaned.get("image")
        if (upload or keeps_image) and not cleaned.get("image_alt", "").strip():
            self.add_error(
                "image_alt",
                _("Describe what the image shows, for people who cannot see it."),
            )
        if upload and not self.errors:
            try:
                self.processed_image = images.process_upload(upload)
            except ValidationError as error:
                self.add_error("image", error)
        return cleaned

    # For the views ---------------------------------------------------------------------

    def fieldsets(self) -> list[dict]:
        """The form in groups with a legend, so a long form stays readable on a phone."""
        return [
            {
                "id": key,
                "legend": legend,
                "fields": [self[name] for name in names if name in self.fields],
            }
            for key, legend, names in self.FIELDSETS
        ]

    def activity_data(self) -> dict:
        """The cleaned values for services.create_activity / update_activity."""
        data = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name != "co_organisers" and name in self.cleaned_data
        }
        if self.processed_image is not None:
            data["image"] = self.processed_image.large
            data["image_small"] = self.processed_image.small
        elif self.cleaned_data.get("remove_image"):
            data.update(image="", image_small="", image_alt="")
        return data

    def co_organisers(self) -> list[Organisation]:
        return list(self.cleaned_data.get("co_organisers") or [])

    def checks_overlap(self) -> bool:
        """Whether the room or times changed, so clashes with other activities may be new."""
        if self.instance.pk is None:
            return True
        return bool(set(self.changed_data) & {"place", "room", *SCHEDULE_FIELDS})


class OccurrenceChangeForm(forms.Form):
    """Move one date, or give it another place, without touching the series."""

    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Starts at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Empty: the whole day."),
    )
    end_time = forms.TimeField(
        label=_("Ends at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    place = forms.ModelChoiceField(
        label=_("Place"),
        queryset=Place.objects.none(),
        required=False,
        help_text=_("Empty: the usual place of the activity."),
    )
    room = RoomChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, help_text=ROOM_HELP
    )

    def __init__(self, *args, places, default_place: Place | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.default_place = default_place
        self.fields["place"].queryset = places.order_by("name")
        self.fields["place"].empty_label = _("— the usual place —")
        offer_rooms(self, places, default_place=default_place)

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if end is not None and start is None:
            self.add_error("start_time", _("Fill in the start time as well."))
        elif start is not None and end is not None and end <= start:
            self.add_error(
                "end_time", _("The end time lies before the start time. Check both times.")
            )
        day = cleaned.get("day")
        if day is not None and day < timezone.localdate():
            self.add_error("day", _("Choose a date that is still to come."))
        elif day is not None and day > timezone.localdate() + timedelta(days=366 * 3):
            self.add_error("day", _("That date lies too far ahead. Check the year."))
        room, place = cleaned.get("room"), cleaned.get("place")
        if room is not None:
            expected = place or self.default_place
            if expected is None:
                cleaned["place"] = room.place
            elif room.place_id != expected.pk:
                self.add_error(
                    "room",
                    _("This room is not in %(place)s. Choose a room of that place, or no room.")
                    % {"place": expected.name},
                )
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Residents see this, for example: the hall is closed for repairs."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why, so residents know."))
        return reason


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("The editors of the organisation read this. No personal details, please."),
    )

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError(
                _("Say what should change, so the editor knows what to do.")
            )
        return comment


#: What a telephone number may look like: "0345-123456", "+31 6 1234 5678", "(0345) 12 34 56".
PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")


class RegistrationForm(forms.Form):
    """A resident registers for one date: a name, one way to reach them, how many."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("We send you a link to see or cancel your registration."),
    )
    phone = forms.CharField(
        label=_("Telephone number"),
        max_length=30,
        required=False,
        help_text=_("Only if you have no e-mail: the organiser can call you."),
    )
    party_size = forms.TypedChoiceField(
        label=_("Number of people, including yourself"),
        choices=[(n, str(n)) for n in range(1, registrations.MAX_PARTY_SIZE + 1)],
        coerce=int,
        initial=1,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Fill in your name."))
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        digits = len(re.sub(r"\D", "", phone))
        if not PHONE_CHARS.match(phone) or not 6 <= digits <= 15:
            raise forms.ValidationError(_("Enter a telephone number, for example 0345 123456."))
        return phone

    def clean(self) -> dict:
        data = super().clean()
        contact_given = data.get("email") or data.get("phone")
        if not contact_given and not self.has_error("email") and not self.has_error("phone"):
            raise forms.ValidationError(
                _("Give an e-mail address or a telephone number, so the organiser can reach you.")
            )
        return data


class PhonedRegistrationForm(RegistrationForm):
    """An organiser enters a registration for someone who phoned: a name, the telephone
    number they called from, how many people."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["email"]
        self.fields["name"].label = _("Name")
        self.fields["phone"].required = True
        self.fields["phone"].help_text = _("So you can reach them if anything changes.")
        self.fields["party_size"].label = _("Number of people")
        for field in self.fields.values():
            field.widget.attrs.pop("autocomplete", None)


class CalendarFeedForm(forms.Form):
    """An editor connects the calendar their organisation already keeps elsewhere."""

    url = forms.CharField(
        label=_("Address of your calendar (ICS)"),
        max_length=500,
        help_text=_(
            "In Google Calendar: settings of the calendar, “Public address in iCal format” "
            "or “Secret address in iCal format”. In Outlook: publish the calendar and copy "
            "the ICS link."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url"}),
    )
    default_place = forms.ModelChoiceField(
        label=_("Usual place"),
        queryset=Place.objects.none(),
        required=False,
        help_text=_(
            "Used when an activity in your calendar has no place we know. Leave empty when "
            "it differs."
        ),
    )
    default_theme = forms.ChoiceField(
        label=_("Theme of the imported activities"),
        choices=Theme.choices,
        initial=Theme.OTHER,
        help_text=_("You can change the theme per activity afterwards."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_place"].queryset = (
            Place.objects.filter(
                Q(municipality_id=organisation.municipality_id)
                | Q(municipality__networks__organisations=organisation)
            )
            .distinct()
            .order_by("name")
        )

    def clean_url(self) -> str:
        value = self.cleaned_data["url"].strip()
        if value.lower().startswith("webcal://"):  # what calendar programs offer to copy
            value = "https://" + value[len("webcal://") :]
        URLValidator(
            schemes=["http", "https"],
            message=_("Give an address that starts with http:// or https://."),
        )(value)
        try:
            check_feed_url(value)
        except FeedError as problem:
            raise ValidationError(problem.message()) from None
        return value


# The agenda on another website (views/embed.py) --------------------------------------------

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
STYLES = [
    ("light", _("Light: white background")),
    ("dark", _("Dark: dark background, light text")),
    ("plain", _("Plain: no background of its own, fits any light page")),
]


class EmbedForm(forms.Form):
    """Whose agenda and how it looks. Every field is optional: no choice shows everything."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.active().order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All organisations"),
        help_text=_("Its own activities and those it organises with others."),
    )
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All networks"),
    )
    theme_style = forms.ChoiceField(
        label=_("Look"),
        choices=STYLES,
        required=False,
        widget=forms.RadioSelect,
    )
    lang = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)
    limit = forms.IntegerField(
        label=_("Number of dates shown"),
        min_value=1,
        max_value=MAX_LIMIT,
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Translated per request, with the number filled in.
        self.fields["limit"].help_text = gettext("At most %(max)d.") % {"max": MAX_LIMIT}

    def clean_theme_style(self) -> str:
        return self.cleaned_data["theme_style"] or "light"

    def clean_lang(self) -> str:
        return self.cleaned_data["lang"] or settings.LANGUAGE_CODE

    def clean_limit(self) -> int:
        return self.cleaned_data["limit"] or DEFAULT_LIMIT
