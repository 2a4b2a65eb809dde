"""Open shifts, one shift, signing up, cancelling, the waiting list and stand-ins."""

urlpatterns: list = []
