from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from network import views as network_views

from .health import healthz

admin.site.site_header = "Omzien"
admin.site.site_title = "Omzien"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("taal/", network_views.switch_language, name="switch_language"),
    path("", include("activities.urls")),
    path("", include("network.urls")),
]

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler403 = "network.views.permission_denied"
handler404 = "network.views.page_not_found"
handler500 = "network.views.server_error"
