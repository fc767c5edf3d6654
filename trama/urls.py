from django.contrib import admin
from django.urls import include, path

from trama.api.api import api

urlpatterns = [
    path("", include("trama.pages.urls")),
    path("", include("trama.organizations.urls")),
    path("", include("trama.programs.urls")),
    path("", include("trama.ledger.urls")),
    path("", include("trama.procedures.urls")),
    path("", include("trama.agreements.urls")),
    path("", include("trama.partnerships.urls")),
    path("", include("trama.community.urls")),
    path("", include("trama.community.search.urls")),
    path("", include("trama.community.practices.urls")),
    path("", include("trama.community.events.urls")),
    path("", include("trama.community.discussions.urls")),
    path("", include("trama.community.whatsnew.urls")),
    path("", include("trama.opendata.transparency.urls")),
    path("", include("trama.accounts.urls")),
    path("", include("trama.notifications.urls")),
    path("", include("trama.opendata.webhooks.urls")),
    path("", include("trama.opendata.ocds.urls")),
    path("", include("trama.opendata.catalogue.urls")),
    path("account/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "trama.pages.errors.bad_request"
handler403 = "trama.pages.errors.permission_denied"
handler404 = "trama.pages.errors.page_not_found"
handler500 = "trama.pages.errors.server_error"
