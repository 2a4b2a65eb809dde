"""Connecting an existing calendar: an organisation's ICS feed imported and kept in sync.

Many organisations already keep their agenda elsewhere (Google, Outlook, a church or club
system). They give us the calendar's ICS address once; a Celery job fetches it and makes
the organisation's imported activities match it. Three steps, in this order:

1. **Fetch** (`fetch.fetch_feed`, through `network.guarded_http`): http(s) only, a
   connect/read timeout and an overall deadline of three times that, at most 5 MB, ETag
   honoured (304: nothing to do). The deadline holds from connecting to the last byte,
   TLS handshake, response headers and redirects included: a watchdog shuts the socket
   down when it passes (a server dripping its headers one byte a second held a worker
   for minutes before). The address may never reach a private or special network (SSRF):
   every address a host name resolves to must be public unicast outside an explicit deny
   list of special-purpose blocks (NAT64, 6to4, Teredo, IPv4-mapped, shared address
   space, benchmarking, documentation, ...: `guarded_http.DENIED_NETWORKS`; Python's
   `is_global` alone lets several through), and we connect to exactly the address we
   checked, on every redirect too. Tests set ``CALENDAR_IMPORT_ALLOW_PRIVATE_HOSTS =
   True`` to serve feeds from 127.0.0.1.
2. **Parse and plan** (`parse.parse_feed`, `plan.plan_feed`): the whole file is read
   before anything is written. A file that is not a calendar (a web page, an empty file),
   is damaged, too big, too slow, or has an event with a property we read but cannot
   (DTSTART, DTEND, DURATION, RRULE, EXDATE, RDATE, RECURRENCE-ID) changes nothing, and
   the refusal names the real cause: for a broken property, which event and which
   property, in plain words ("The event “Bingo” has a repetition we cannot read").
   A broken property we never read (DTSTAMP, GEO, an attendee) refuses nothing. The
   organisation's editors get one e-mail when a working feed breaks and the feed page
   says what is wrong.
3. **Apply** (`apply.apply_plan`, run by `services.sync_feed`): one transaction, matched
   on (feed, UID). New events go through `services.create_activity`, so an untrusted
   organisation's imports wait for moderation like hand-made ones; changed ones through
   `services.update_activity`.
4. **Report**: what a sync that worked left out, and why (events cut by the time budget,
   rules that never happen or that we cannot take over, repeated UIDs, dates we cannot
   read), is stored on `CalendarFeed.report` as ``{"notes": [{"text", "params"}]}``:
   untranslated, like `CalendarFeed.problem` (`problems.note`), and shown on the feed's
   page in the reader's language. At most 20 notes, and a count of the rest. A sync that
   fails or finds the file unchanged (304) keeps the notes of the last one.

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
  by the hour or minute, week numbers or days of the year are not imported (with a note).
- **Single dates of a series are keyed by day** (UID#YYYYMMDD, its local date), so a
  time changed in the source calendar updates the same activity: its date moves through
  `services.update_activity`, and whoever registered gets the "moved" e-mail, instead of
  every date being called off and made anew. Keys stored before held the time too
  (UID#YYYYMMDDTHHMM): such an activity is matched on its date part and takes the new
  key on the next sync (through the service; no data migration). A second start on the
  same day keeps its time in the key. A date that moves to another day is another date.
- **Rules that never happen** (30 February, the sixth Monday, a daily step that never
  lands on the weekday asked for) make python-dateutil search up to the year 9999, about
  half a second per event. `rules.never_happens` tries the rule's day filters on the
  fourteen shapes a year can have, in about a millisecond, before dateutil sees it; such
  an event is not imported, with a note naming it. A DTSTART long ago is moved forward
  along the rule's own steps (days and weeks, without COUNT) before expanding, so a daily
  rule from the year 1000 costs no more than one from last week.
- **A time budget per sync** (`plan.SYNC_SECONDS`, 60 s, setting
  CALENDAR_IMPORT_SECONDS) covers planning and applying together, checked between
  events: single events are planned before series, and what does not fit waits for the
  next sync. Such events are *not* treated as gone from the feed: what they brought in
  before stays exactly as it is (matched on their UID), and the report counts them. An
  event python-dateutil cannot plan (a date at the end of time) is kept the same way,
  with a note, instead of refusing the whole feed. An event that really left the file is
  still cancelled: the whole file was read.
- **Two events with one UID** (and no RECURRENCE-ID) are one event twice: the first in
  the file is imported, and a note names both.
- **Time zones.** Times with a TZID are read in their zone, UTC times as the moment
  they are, floating times in the site's zone. X-WR-TIMEZONE (Google, Apple) is used
  only for the DTSTART (and DTEND) of a *recurring* event that is in UTC or floating:
  its rule then repeats at the same wall-clock time in that zone across the clock change,
  as calendar programs show it (a weekly rule at 09:00Z in winter stays at 10:00 here in
  summer, and fits our plain-words schedule). A single event in UTC stays the exact moment
  it names; a TZID always wins; an unknown zone name is ignored.
- **DTEND and DURATION together** (Thunderbird writes a moved date with DURATION:PT0S
  beside its DTEND): DTEND is read, DURATION ignored.
- **Descriptions** in HTML (Google, Outlook) become plain text with their shape:
  paragraphs as blocks, line breaks kept, list items as lines starting with "- "; the
  contents of script, style and the like are dropped entirely, not only their tags
  (`description.plain_description`).
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
- **The importer only calls the agenda's services** (`activities/services.py`): it never
  writes a status, a date or a key itself, and never deletes a row.
"""
