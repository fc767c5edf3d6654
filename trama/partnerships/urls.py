from django.urls import path

from . import views, views_territories

app_name = "partnerships"

urlpatterns = [
    path("partenariati/", views.partnership_list, name="list"),
    path("partenariati/nuovo/", views.partnership_new, name="new"),
    path("partenariati/<slug:slug>/", views.partnership_detail, name="detail"),
    path("partenariati/<slug:slug>/modifica/", views.partnership_edit, name="edit"),
    path("partenariati/<slug:slug>/coordinatori/", views.coordinator_add, name="coordinator_add"),
    path(
        "partenariati/<slug:slug>/coordinatori/<int:pk>/togli/",
        views.coordinator_remove,
        name="coordinator_remove",
    ),
    path("enti/<slug:slug>/quote/", views.shares, name="shares"),
    path("enti/<slug:slug>/quote/<int:pk>/annulla/", views.share_act_annul, name="share_annul"),
    path("territori/", views_territories.territory_index, name="territories"),
    path("territori/confronta/", views_territories.territory_compare, name="compare"),
    path("territori/<str:key>/", views_territories.territory_timeline, name="timeline"),
]
