"""Editors' and coordinators' work: tasks, the organisation's settings, no-shows and hours.

Writes are verb-first functions with keyword arguments, each in one transaction, raising
DomainError (network.shared) with a translated message the view shows as it is. Reads
that several pages share (what counts as a no-show, which hours wait for approval, a
volunteer's yearly statement) live here too, so the rule is written once.

- Tasks: `create_task`, `update_task`, `close_task`, `reopen_task`; every one ends with
  `shifts.sync_shifts(task=…)`, which makes, moves or cancels the shifts.
- Settings: `save_settings` (VolunteeringSettings; unsaved defaults until then).
- No-shows: `record_no_show`, `undo_no_show`; they count against a volunteer for
  `NO_SHOW_WINDOW` only (`no_show_counts`), and only at the organisation that recorded them.
- Hours: `approve_hours` (one), `approve_hours_bulk` (several at once), `hours_statement`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import recurrence
from activities.models import Activity
from activities.models import Status as ActivityStatus
from activities.services import SCHEDULE_FIELDS, local_datetime
from network.models import Membership, Organisation, Role, User
from network.shared import DomainError

from . import shifts
from .models import ShiftQuerySet, SignUp, SignUpStatus, Task, VolunteeringSettings

#: A recorded no-show counts against a volunteer for this long, then no longer.
NO_SHOW_WINDOW = timedelta(days=365)
#: Approved hours per shift: more than a day is a typing error.
MAX_HOURS = Decimal("24")
MAX_VOLUNTEERS_NEEDED = 200
#: Fields of a task besides its schedule, as the form hands them to the services: what and
#: where (before the schedule in the form), then who is needed (after it).
TASK_WHAT_FIELDS = ("title", "description", "kind", "place", "location_note", "activity")
TASK_WHO_FIELDS = (
    "volunteers_needed",
    "requires_vog",
    "required_training",
    "requires_driving_licence",
    "minimum_age",
    "care_boundary_note",
)
TASK_FIELDS = TASK_WHAT_FIELDS + TASK_WHO_FIELDS
SETTINGS_FIELDS = tuple(VolunteeringSettings.DEFAULTS)
#: Bounds of the numbers in the settings (the form shows the same limits).
SETTINGS_LIMITS = {
    "reminder_hours": (1, 14 * 24),
    "cancel_deadline_hours": (0, 14 * 24),
    "unfilled_alert_days": (1, 60),
    "offer_hours": (1, 7 * 24),
}


# Tasks -----------------------------------------------------------------------------------


def activities_for(organisation: Organisation) -> QuerySet[Activity]:
    """Activities a task of the organisation may follow: its own and those it co-organises,
    not cancelled."""
    return (
        Activity.objects.filter(Q(organisation=organisation) | Q(co_organisers=organisation))
        .exclude(status=ActivityStatus.CANCELLED)
        .distinct()
    )


def _check_task(task: Task) -> None:
    """The rules a saved task must keep, with a message the editor understands."""
    if not (task.title or "").strip():
        raise DomainError(_("Give the task a title."))
    if not 1 <= (task.volunteers_needed or 0) <= MAX_VOLUNTEERS_NEEDED:
        raise DomainError(
            _("The number of volunteers needed must be between 1 and %(max)s.")
            % {"max": MAX_VOLUNTEERS_NEEDED}
        )
    if task.activity_id is not None:
        if not activities_for(task.organisation).filter(pk=task.activity_id).exists():
            raise DomainError(_("Choose one of your organisation's activities."))
        if (task.start_time is None) != (task.end_time is None):
            raise DomainError(
                _("Give both a start and an end time, or neither to follow the activity's.")
            )
        if task.start_time is not None and task.end_time <= task.start_time:
            raise DomainError(_("The end time lies before the start time. Check both times."))
        return
    if task.start_date is None:
        raise DomainError(_("Choose an activity the task follows, or give its own first date."))
    if task.start_time is None or task.end_time is None:
        raise DomainError(_("A task with its own dates needs a start and an end time."))
    if task.end_time <= task.start_time:
        raise DomainError(_("The end time lies before the start time. Check both times."))
    try:
        recurrence.validate(recurrence.Schedule.of(task))
    except recurrence.RecurrenceError as error:
        raise DomainError(str(error)) from None


def _task_values(data: dict) -> dict:
    """Only the fields a task has; following an activity empties the task's own schedule."""
    values = {name: data[name] for name in (*TASK_FIELDS, *SCHEDULE_FIELDS) if name in data}
    if values.get("exception_dates") is not None:
        try:
            days = recurrence.parse_dates(values["exception_dates"])
        except (TypeError, ValueError):
            raise DomainError(_("A skipped date is not a valid date.")) from None
        values["exception_dates"] = sorted({day.isoformat() for day in days})
    if values.get("activity") is not None:
        # The activity's dates; its own start and end time only when both are given (to
        # set up before the activity begins, say).
        values.update(
            start_date=None,
            until=None,
            count=None,
            monthly_ordinal=None,
            exception_dates=[],
        )
    return values


@transaction.atomic
def create_task(*, organisation: Organisation, created_by: User | None, data: dict) -> Task:
    """A new task; its shifts are made at once (up to the horizon)."""
    task = Task(organisation=organisation, created_by=created_by, **_task_values(data))
    _check_task(task)
    task.save()
    shifts.sync_shifts(task=task)
    return task


@transaction.atomic
def update_task(*, task: Task, data: dict) -> Task:
    """Change a task; its coming shifts follow (times, places, dates), past ones stay.
    Fewer volunteers needed never takes anyone off a shift: sync_shifts keeps at least as
    many places as are taken."""
    locked = Task.objects.select_for_update().select_related("organisation").get(pk=task.pk)
    for name, value in _task_values(data).items():
        setattr(locked, name, value)
    _check_task(locked)
    locked.save()
    shifts.sync_shifts(task=locked)
    return locked


@transaction.atomic
def close_task(*, task: Task) -> Task:
    """Stop taking sign-ups. Volunteers already signed up keep their shifts (which do not
    change, so there is nothing to sync)."""
    Task.objects.filter(pk=task.pk).update(is_active=False, updated_at=timezone.now())
    task.is_active = False
    return task


@transaction.atomic
def reopen_task(*, task: Task) -> Task:
    """Take sign-ups again; shifts that were not made while closed are made now."""
    Task.objects.filter(pk=task.pk).update(is_active=True, updated_at=timezone.now())
    task.is_active = True
    shifts.sync_shifts(task=task)
    return task


# Settings --------------------------------------------------------------------------------


@transaction.atomic
def save_settings(*, organisation: Organisation, data: dict) -> VolunteeringSettings:
    """Store how the organisation runs its volunteering (the first save makes the row)."""
    values = {name: data[name] for name in SETTINGS_FIELDS if name in data}
    for name, (low, high) in SETTINGS_LIMITS.items():
        value = values.get(name)
        if value is not None and not low <= value <= high:
            raise DomainError(
                _("%(field)s must be between %(low)s and %(high)s.")
                % {
                    "field": VolunteeringSettings._meta.get_field(name).verbose_name,
                    "low": low,
                    "high": high,
                }
            )
    saved, _created = VolunteeringSettings.objects.update_or_create(
        organisation=organisation, defaults=values
    )
    return saved


# No-shows --------------------------------------------------------------------------------


def no_show_cutoff(now: datetime | None = None) -> datetime:
    """No-shows recorded before this moment no longer count."""
    return (now or timezone.now()) - NO_SHOW_WINDOW


def counting_no_shows_q(*, now: datetime | None = None, prefix: str = "") -> Q:
    """Sign-ups whose no-show still counts against the volunteer."""
    return Q(**{f"{prefix}no_show_recorded_at__gte": no_show_cutoff(now)})


def no_show_counts(
    *, organisation: Organisation, volunteer_ids, now: datetime | None = None
) -> dict[int, int]:
    """{volunteer id: no-shows that still count} at this organisation, in one query.
    Another organisation's records stay with that organisation."""
    ids = {pk for pk in volunteer_ids if pk is not None}
    if not ids:
        return {}
    rows = (
        SignUp.objects.filter(
            counting_no_shows_q(now=now),
            shift__task__organisation=organisation,
            volunteer_id__in=ids,
        )
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["volunteer_id"]: row["n"] for row in rows}


def _locked_signup(signup: SignUp) -> SignUp:
    return SignUp.objects.select_for_update(of=("self",)).select_related("shift").get(pk=signup.pk)


@transaction.atomic
def record_no_show(*, signup: SignUp, now: datetime | None = None) -> SignUp:
    """The volunteer was signed up but did not come. Their hours for it are not counted."""
    now = now or timezone.now()
    locked = _locked_signup(signup)
    if locked.status != SignUpStatus.CONFIRMED:
        raise DomainError(_("Only a volunteer who was signed up can be marked as not come."))
    if locked.shift.is_cancelled:
        raise DomainError(_("This shift was cancelled: nobody had to come."))
    if locked.shift.starts_at > now:
        raise DomainError(_("The shift has not started yet. Record a no-show afterwards."))
    if locked.no_show_recorded_at is None:
        locked.no_show_recorded_at = now
        locked.hours_approved = None
        locked.hours_approved_by = None
        locked.hours_approved_at = None
        locked.save(
            update_fields=[
                "no_show_recorded_at",
                "hours_approved",
                "hours_approved_by",
                "hours_approved_at",
            ]
        )
    return locked


@transaction.atomic
def undo_no_show(*, signup: SignUp) -> SignUp:
    """A no-show recorded by mistake: gone, and the hours can be approved again."""
    locked = _locked_signup(signup)
    if locked.no_show_recorded_at is not None:
        locked.no_show_recorded_at = None
        locked.save(update_fields=["no_show_recorded_at"])
    return locked


# Hours -----------------------------------------------------------------------------------


def hours_awaiting_approval(
    organisation: Organisation, *, now: datetime | None = None
) -> QuerySet[SignUp]:
    """Confirmed sign-ups of shifts that are over, not cancelled, no no-show, not approved."""
    return SignUp.objects.filter(
        shift__task__organisation=organisation,
        status=SignUpStatus.CONFIRMED,
        hours_approved__isnull=True,
        no_show_recorded_at__isnull=True,
        shift__is_cancelled=False,
        shift__ends_at__lte=now or timezone.now(),
    )


def default_hours(signup: SignUp) -> Decimal:
    """The shift's length, as the hours a coordinator approves unless they change it."""
    seconds = (signup.shift.ends_at - signup.shift.starts_at).total_seconds()
    return min(MAX_HOURS, Decimal(seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


def check_hours(hours: Decimal) -> Decimal:
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise DomainError(
            _("Hours must be more than 0 and at most %(max)s.") % {"max": int(MAX_HOURS)}
        )
    return hours.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _approve(signup: SignUp, hours: Decimal, approved_by: User, now: datetime) -> None:
    signup.hours_approved = check_hours(hours)
    signup.hours_approved_by = approved_by
    signup.hours_approved_at = now
    signup.save(update_fields=["hours_approved", "hours_approved_by", "hours_approved_at"])


@transaction.atomic
def approve_hours(*, signup: SignUp, hours: Decimal, approved_by: User) -> SignUp:
    """Approve (or correct) the hours of one sign-up of a shift that is over."""
    now = timezone.now()
    locked = _locked_signup(signup)
    if locked.status != SignUpStatus.CONFIRMED or locked.shift.is_cancelled:
        raise DomainError(_("Only hours of a shift the volunteer was signed up for count."))
    if locked.no_show_recorded_at is not None:
        raise DomainError(_("This volunteer did not come. Undo the no-show first."))
    if locked.shift.ends_at > now:
        raise DomainError(_("The shift is not over yet. Approve its hours afterwards."))
    _approve(locked, hours, approved_by, now)
    return locked


@transaction.atomic
def approve_hours_bulk(
    *, organisation: Organisation, hours_by_signup: dict[int, Decimal], approved_by: User
) -> int:
    """Approve several at once ({sign-up id: hours}); sign-ups of other organisations or
    no longer waiting (approved meanwhile, a no-show) are left alone. Returns how many."""
    for hours in hours_by_signup.values():
        check_hours(hours)
    now = timezone.now()
    waiting = (
        hours_awaiting_approval(organisation, now=now)
        .filter(pk__in=list(hours_by_signup))
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    done = 0
    for signup in waiting:
        _approve(signup, hours_by_signup[signup.pk], approved_by, now)
        done += 1
    return done


# The yearly statement ----------------------------------------------------------------------


@dataclass
class HoursStatement:
    organisation: Organisation
    volunteer: User
    year: int
    signups: list[SignUp] = field(default_factory=list)
    total: Decimal = Decimal("0")
    no_shows: int = 0

    @property
    def shift_count(self) -> int:
        return len(self.signups)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The start of the year and of the next, in local time."""
    return local_datetime(date(year, 1, 1), None), local_datetime(date(year + 1, 1, 1), None)


def is_volunteer_of(organisation: Organisation, user_id: int) -> bool:
    """Whether the person volunteers for the organisation, or did (a sign-up there)."""
    return (
        Membership.objects.filter(
            user_id=user_id, organisation=organisation, role=Role.VOLUNTEER
        ).exists()
        or SignUp.objects.filter(volunteer_id=user_id, shift__task__organisation=organisation)
        .exclude(status=SignUpStatus.CANCELLED)
        .exists()
    )


def hours_statement(*, organisation: Organisation, volunteer: User, year: int) -> HoursStatement:
    """The approved hours of one volunteer at one organisation in a calendar year."""
    start, end = year_bounds(year)
    signups = list(
        SignUp.objects.filter(
            volunteer=volunteer,
            shift__task__organisation=organisation,
            hours_approved__isnull=False,
            shift__starts_at__gte=start,
            shift__starts_at__lt=end,
        )
        .select_related("shift__task")
        .order_by("shift__starts_at", "pk")
    )
    total = sum((signup.hours_approved for signup in signups), Decimal("0"))
    no_shows = no_show_counts(organisation=organisation, volunteer_ids=[volunteer.pk]).get(
        volunteer.pk, 0
    )
    return HoursStatement(organisation, volunteer, year, signups, total, no_shows)


def approved_hours_total(*, organisation: Organisation, volunteer: User, year: int) -> Decimal:
    start, end = year_bounds(year)
    total = SignUp.objects.filter(
        volunteer=volunteer,
        shift__task__organisation=organisation,
        shift__starts_at__gte=start,
        shift__starts_at__lt=end,
    ).aggregate(total=Sum("hours_approved"))["total"]
    return total or Decimal("0")


def unfilled_shifts(shifts_qs: ShiftQuerySet, *, now: datetime | None = None) -> ShiftQuerySet:
    """Coming shifts still short of volunteers, soonest first."""
    from django.db.models import F

    return (
        shifts_qs.open()
        .upcoming(now)
        .filter(confirmed_count__lt=F("places"))
        .annotate(missing=F("places") - F("confirmed_count"))
        .order_by("starts_at", "pk")
    )


# Names ---------------------------------------------------------------------------------------


def first_name(user: User) -> str:
    """What an editor sees of a volunteer: the first name, never the e-mail address."""
    name = (user.name or "").strip()
    return name.split()[0] if name else _("a volunteer")


def full_name(user: User) -> str:
    """What a coordinator sees: the whole name (the address when no name was given)."""
    return (user.name or "").strip() or user.email
