from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profilo/", views.profile, name="profile"),
    path("profilo/token/", views.tokens, name="tokens"),
    path("profilo/token/<int:token_id>/revoca/", views.revoke_token, name="revoke_token"),
    path("profilo/elimina/", views.delete_account, name="delete"),
]
