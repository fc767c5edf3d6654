from django.urls import path

from . import views_dashboard

app_name = "agreements"

urlpatterns = [
    path("convenzioni/<int:pk>/cruscotto/", views_dashboard.dashboard, name="dashboard"),
    path("convenzioni/<int:pk>/pubblica/", views_dashboard.public, name="public"),
]
