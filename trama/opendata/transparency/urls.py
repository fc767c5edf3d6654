from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    path("enti/<slug:slug>/trasparenza/", views.body, name="body"),
    path("enti/<slug:slug>/trasparenza/art-27/", views.art27_index, name="art27"),
    path("enti/<slug:slug>/trasparenza/art-27/<str:year>/", views.art27_year, name="art27_year"),
    path(
        "enti/<slug:slug>/trasparenza/art-27/<str:year>/elenco.<str:fmt>",
        views.art27_export,
        name="art27_export",
    ),
    path("trasparenza/feed/<str:kind>/", views.feed, name="feed"),
    path("enti/<slug:slug>/trasparenza/feed/<str:kind>/", views.body_feed, name="body_feed"),
    path(
        "trasparenza/territori/<str:code>/feed/<str:kind>/",
        views.territory_feed,
        name="territory_feed",
    ),
]
