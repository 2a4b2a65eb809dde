from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.static import serve

from network import views as network_views

from .health import healthz

admin.site.site_header = "Omzien"
admin.site.site_title = "Omzien"
# Signing in to the admin goes through allauth like everywhere else: rate limits, the
# second step for superusers. Django's own admin login form would skip both.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("taal/", network_views.switch_language, name="switch_language"),
    path("vrijwilligers/", include("volunteers.urls")),
    path("", include("overviews.urls")),
    path("", include("attendance.urls")),
    path("", include("referrals.urls")),
    path("", include("activities.urls")),
    path("", include("network.urls")),
]

if settings.BENCH_FLOOR:
    # The benchmark's yardstick (bench/pages.py): the least a page can cost behind the same
    # middleware. Only when BENCH_FLOOR is set, never in a deployment.
    from .health import floor

    urlpatterns += [path("bench/floor/", floor, name="bench_floor")]

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler403 = "network.views.permission_denied"
handler404 = "network.views.page_not_found"
handler500 = "network.views.server_error"
