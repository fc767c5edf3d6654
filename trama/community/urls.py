from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("comunita/", views.members, name="members"),
    path("comunita/membri/<int:pk>/", views.member, name="member"),
    path("comunita/enti/", views.organizations, name="organizations"),
    path("comunita/aderisci/", views.join, name="join"),
    path("comunita/profilo/", views.edit, name="edit"),
    path("comunita/lascia/", views.leave, name="leave"),
]
