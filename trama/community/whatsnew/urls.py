from django.urls import path

from . import views

app_name = "whatsnew"

urlpatterns = [path("comunita/novita/", views.whats_new, name="whats_new")]
