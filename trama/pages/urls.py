from django.urls import path

from . import language, views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("area-personale/", views.dashboard, name="dashboard"),
    path("lingua/<str:code>/", language.switch_language, name="language"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibilita/", views.accessibility, name="accessibility"),
    path("territori/comuni/", views.municipality_suggestions, name="municipality_suggestions"),
]
