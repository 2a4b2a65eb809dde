"""Participants under /deelnemers/, the roll-call under /presentie/ (attendance/views.py);
"not seen lately" under /deelnemers/<organisation>/niet-gezien/ (views_signals.py);
check-ins under /langsgaan/ for volunteers and /deelnemers/<organisation>/langsgaan/ for
coordinators (views_checkins.py)."""

from .views import urlpatterns as _attendance
from .views_checkins import urlpatterns as _check_ins
from .views_signals import urlpatterns as _signals

app_name = "attendance"
urlpatterns = [*_attendance, *_signals, *_check_ins]
