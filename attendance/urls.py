"""Participants under /deelnemers/, the roll-call under /presentie/ (attendance/views.py);
"not seen lately" under /deelnemers/<organisation>/niet-gezien/ (views_signals.py);
check-ins under /langsgaan/ for volunteers and /deelnemers/<organisation>/langsgaan/ for
coordinators (views_checkins.py); the network's thresholds of "not seen lately" under
/beheer/<network>/niet-gezien/ for its administrators (views_signal_settings.py)."""

from .views import urlpatterns as _attendance
from .views_checkins import urlpatterns as _check_ins
from .views_signal_settings import urlpatterns as _signal_settings
from .views_signals import urlpatterns as _signals

app_name = "attendance"
urlpatterns = [*_attendance, *_signals, *_check_ins, *_signal_settings]
