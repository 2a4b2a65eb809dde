"""E-mails of volunteering: one function per message, in the recipient's language, each sent
exactly once through the outbox (network.outbox), as in activities/emails.py.

`queue_…` functions are called by the services inside their transaction; the senders
(`@outbox.sender("volunteers.…")`) run after commit and check the news still applies.
Nothing personal travels: a message names the task, the organisation and the time, and
links to the site; never another person's name or contact details.
"""

from __future__ import annotations

from network import outbox  # noqa: F401  (used by the sections below)

# Sign-ups, the waiting list and stand-ins (volunteers/signups.py) --------------------------

# Shift changes, reminders and unfilled alerts (volunteers/shifts.py, reminders.py) ---------

# Applications and help requests (volunteers/profiles.py, help.py) --------------------------
