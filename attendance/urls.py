"""Participants under /deelnemers/, the roll-call under /presentie/ (attendance/views.py)."""

from .views import urlpatterns

app_name = "attendance"

# Check-ins: /langsgaan/ for volunteers, /deelnemers/<organisation>/langsgaan/ for
# coordinators (attendance/views_checkins.py).
from .views_checkins import urlpatterns as _check_in_urls  # noqa: E402

urlpatterns = [*urlpatterns, *_check_in_urls]
