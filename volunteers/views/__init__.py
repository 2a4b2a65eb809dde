"""Volunteering pages, one module per family; each module lists its own `urlpatterns`,
which `volunteers/urls.py` puts together under /vrijwilligers/."""
