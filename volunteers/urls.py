"""Everything under /vrijwilligers/: each page family lists its own paths (volunteers/views/)."""

from .views import coordination, help, mine, profile, shifts, tasks

app_name = "volunteers"

urlpatterns = [
    *shifts.urlpatterns,
    *mine.urlpatterns,
    *tasks.urlpatterns,
    *coordination.urlpatterns,
    *profile.urlpatterns,
    *help.urlpatterns,
]
