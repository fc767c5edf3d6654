from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifiche/", views.inbox, name="inbox"),
    path("notifiche/<int:pk>/apri/", views.open_notification, name="open"),
    path("notifiche/<int:pk>/letta/", views.mark_read, name="mark_read"),
    path("notifiche/lette/", views.mark_all_read, name="mark_all_read"),
    path("notifiche/preferenze/", views.preferences, name="preferences"),
]
