"""Connecting an existing calendar: an organisation's ICS feed imported and kept in sync.

Many organisations already keep their agenda elsewhere (Google, Outlook, a church or club
system). They give us the calendar's ICS address once; a Celery job fetches it and makes
the organisation's imported activities match it. Three steps, in this order:

1. **Fetch** (`fetch.fetch_feed`, through `network.guarded_http`): http(s) only, a
   connect/read timeout and an overall deadline, at most 5 MB, ETag honoured (304: nothing
   to do). The address may never reach a private network (SSRF): every address a host name
   resolves to must be public, and we connect to exactly the address we checked, on every
   redirect too. Tests set ``CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS = True`` to serve feeds
   from 127.0.0.1.
2. **Parse and plan** (`parse.parse_feed`, `plan.plan_items`): the whole file is read
   before anything is written. A file that is not a calendar, too big, too slow or broken
   in any property changes nothing: the organisation's editors get one e-mail when a
   working feed breaks and the feed page says what is wrong, in plain words.
3. **Apply** (`apply.apply_plan`, run by `services.sync_feed`): one transaction, matched
   on (feed, UID). New events go through `services.create_activity`, so an untrusted
   organisation's imports wait for moderation like hand-made ones; changed ones through
   `services.update_activity`.

Decisions, so they are made once:

- **Recurring events.** A rule that fits our plain-words schedule (every day; every week or
  every other week on the start's weekday; every month on the same date; every month on
  the n-th or last weekday, as BYDAY=3TH or BYSETPOS=3;BYDAY=TH; with UNTIL or COUNT;
  EXDATE as skipped dates) becomes one activity. Whether it fits is not guessed: the
  schedule's dates and times over the stored horizon must equal what the RRULE produces
  (python-dateutil, which icalendar depends on). A weekly rule on several weekdays
  becomes one weekly series per weekday ("gym on Monday and Thursday" stays two readable
  series; UID#MO, UID#TH). Anything else (every third day, UTC times that shift with
  daylight saving, RDATE, ...) is expanded: each date of the next 92 days becomes a
  single activity of its own (UID#date), and later runs add the dates that come into
  view. "Every working day" (DAILY;BYDAY=MO,...,FR) is split like a weekly rule. Rules
  by the hour or minute, week numbers or days of the year are not imported, and planning
  a whole feed may take at most a minute: rules that never match make dateutil search
  for years, and a hostile feed must not keep a worker busy.
- **Moved or cancelled single dates** (RECURRENCE-ID) change that one stored date through
  `services.change_occurrence` / `services.cancel_occurrence`. A date the feed cancelled
  is restored when the feed no longer cancels it; a date moved back in the source calendar
  is not moved back here (we cannot tell it from an editor's own change).
- **What the feed owns.** Title, schedule and times always; description and place only
  when the event carries them (so an editor may fill them in here when the source has
  none). Theme, target group, accessibility, registration, image and contact are set
  here and never touched by the import. Change the rest in the source calendar: the next
  run overwrites it here.
- **Place.** LOCATION is matched on a place's name (case-insensitive, also its first part
  before a comma) among the places of the organisation's municipalities; otherwise the
  feed's default place is used and the LOCATION text goes into "where exactly".
- **Moderation.** A changed activity that was published stays published, also for an
  untrusted organisation: the network approved the activity, and moving a time in the
  source calendar is routine. A cancelled activity that comes back in the feed is
  published again (trusted) or goes to moderation again (untrusted).
- **Cancelled and removed.** STATUS:CANCELLED cancels the activity; an event that
  disappears from the feed is cancelled when it still has dates to come (a feed that
  drops past events does not rewrite history, and a series expanded into single dates
  simply stops producing the dates that are over). Cancelled activities stay visible to
  residents, marked cancelled, so an activity that was never public (draft, waiting for
  approval, returned) is withdrawn instead (`services.withdraw_activity`): cancelling it
  would make it public. What the import cancelled is recorded as data (`cancelled_by`), so
  only its own cancellations are undone when an event comes back; an activity an editor
  cancelled here stays cancelled.
- **Duplicates.** A new event whose normalised title and start time equal a date of an
  activity already entered by the organisation or any organisation in its networks (and
  not imported from this feed) is imported as a draft with `possible_duplicate_of` set:
  flagged, not doubled; the editor decides on the feed page.
- **Skipped quietly.** Events without UID or title, private or confidential events
  (CLASS), new events that are cancelled or lie entirely in the past. Attendees and
  organisers in the feed are never read: no personal data is imported.
"""
