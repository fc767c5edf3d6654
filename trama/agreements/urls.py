from django.urls import path  # noqa: F401

from .urls_reports import urlpatterns as report_urls

app_name = "agreements"

urlpatterns = [*report_urls]
