from django.urls import path

from . import views_dashboard
from .urls_reports import urlpatterns as report_urls

app_name = "agreements"

urlpatterns = [
    *report_urls,
    path("convenzioni/<int:pk>/cruscotto/", views_dashboard.dashboard, name="dashboard"),
    path("convenzioni/<int:pk>/pubblica/", views_dashboard.public, name="public"),
]
