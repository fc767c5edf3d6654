from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("enti/<slug:slug>/webhook/", views.subscriptions, name="list"),
    path("enti/<slug:slug>/webhook/nuovo/", views.create, name="create"),
    path("enti/<slug:slug>/webhook/<int:pk>/", views.detail, name="detail"),
    path("enti/<slug:slug>/webhook/<int:pk>/prova/", views.ping, name="ping"),
    path("enti/<slug:slug>/webhook/<int:pk>/riattiva/", views.enable, name="enable"),
    path("enti/<slug:slug>/webhook/<int:pk>/elimina/", views.delete, name="delete"),
]
