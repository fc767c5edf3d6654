from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("programmi/", views.program_list, name="list"),
    path("programmi/nuovo/", views.program_create, name="create"),
    path("programmi/<slug:slug>/", views.program_dashboard, name="program"),
]
