from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibilita/", views.accessibility, name="accessibility"),
    path("sviluppatori/", views.developers, name="developers"),
    path("territori/comuni/", views.municipality_suggestions, name="municipality_suggestions"),
]
