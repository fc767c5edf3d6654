from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("enti/", views.directory, name="directory"),
    path("enti/nuovo/", views.create, name="create"),
    path("enti/attivo/", views.switch_active, name="switch"),
    path("enti/<slug:slug>/", views.detail, name="detail"),
    path("enti/<slug:slug>/modifica/", views.edit, name="edit"),
    path("enti/<slug:slug>/membri/", views.members, name="members"),
    path(
        "enti/<slug:slug>/membri/<int:membership_id>/ruolo/", views.change_role, name="change_role"
    ),
    path(
        "enti/<slug:slug>/membri/<int:membership_id>/rimuovi/",
        views.remove_member,
        name="remove_member",
    ),
    path(
        "enti/<slug:slug>/inviti/<int:invitation_id>/ritira/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("enti/<slug:slug>/sicurezza/", views.security, name="security"),
    path("enti/<slug:slug>/registro/", views.audit_trail, name="audit"),
    path("enti/<slug:slug>/richiedi-accesso/", views.claim, name="claim"),
    path("invito/<str:token>/", views.invitation, name="invitation"),
    path(
        "inviti/<int:invitation_id>/accetta/",
        views.invitation_accept,
        name="invitation_accept",
    ),
]
