"""A volunteer's own shifts, hours given and the personal calendar feed."""

urlpatterns: list = []
