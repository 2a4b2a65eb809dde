"""Informal help requests (vraag en aanbod): posting, responding, matching in rotation."""

urlpatterns: list = []
