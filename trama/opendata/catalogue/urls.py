from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("opendata/catalogo/", views.negotiated, name="catalogue"),
    path("opendata/catalogo.ttl", views.turtle, name="turtle"),
    path("opendata/catalogo.jsonld", views.jsonld, name="jsonld"),
]
