"""The volunteer profile, certificates, and "I want to help" for newcomers."""

urlpatterns: list = []
