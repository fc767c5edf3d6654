from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("comunita/eventi/", views.events, name="events"),
    path("comunita/eventi/<int:pk>/", views.event, name="event"),
    path("comunita/eventi/sessioni/<int:pk>/iscriviti/", views.register, name="register"),
    path("comunita/eventi/sessioni/<int:pk>/annulla/", views.cancel, name="cancel"),
    path("comunita/eventi/sessioni/<int:pk>/organizza/", views.organize, name="organize"),
    path("comunita/eventi/materiali/<int:pk>/", views.material, name="material"),
    path("comunita/eventi/mie/", views.mine, name="mine"),
    path("comunita/eventi/calendario/rigenera/", views.regenerate, name="regenerate"),
    path("comunita/eventi/calendario/<str:token>.ics", views.feed, name="feed"),
    path("comunita/segui/avvisi/<int:pk>/", views.follow_call, name="follow_call"),
    path("comunita/segui/enti/<slug:slug>/", views.follow_organization, name="follow_organization"),
]
