"""Referral pages: referrals/views.py, and further pages each in a module of its own."""

from .views import app_name  # noqa: F401
from .views import urlpatterns as referral_pages
from .views_document import urlpatterns as document_pages
from .views_log import urlpatterns as log_pages

urlpatterns = [
    *referral_pages,
    # The right of access: what was shared about a participant (views_document).
    *document_pages,
    # The access log for wijkteam leads and network administrators (views_log).
    *log_pages,
]
