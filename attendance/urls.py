"""Participants under /deelnemers/, the roll-call under /presentie/ (attendance/views.py),
"not seen lately" under /deelnemers/<organisation>/niet-gezien/ (views_signals.py)."""

from .views import urlpatterns as _attendance
from .views_signals import urlpatterns as _signals

app_name = "attendance"
urlpatterns = [*_attendance, *_signals]
