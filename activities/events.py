"""What happens to stored dates, announced by the services that make it happen.

Other apps hang their own rows on dates (registrations here; shifts, attendance and
check-ins later) and need to hear when a date is called off, moved or takes place again.
`activities` never imports them: they connect a receiver in their AppConfig.ready().

Each signal is sent inside the service's transaction, with `occurrences`, a list of the
changed dates (their activity loaded). A receiver writes what it must in that same
transaction (an outbox row for an e-mail, a cancelled shift), so a change that rolls back
tells nobody, and one that commits tells everyone exactly once. Receivers stay thin.

- `date_cancelled`: the dates are called off (one date, a whole activity, or dates that
  dropped out of the schedule).
- `date_moved`: their start, end or place changed (one date moved, or a changed
  schedule moved them); `previous` maps each date's pk to its (starts_at, place) before.
- `date_restored`: cancelled dates take place again.
"""

from django.dispatch import Signal

date_cancelled = Signal()
date_moved = Signal()
date_restored = Signal()
