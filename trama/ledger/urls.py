from django.urls import path

from . import views, views_acts, views_exchange

app_name = "ledger"

urlpatterns = [
    path("programmi/<slug:slug>/risorse/", views.entry_list, name="entries"),
    path(
        "programmi/<slug:slug>/risorse/esporta.<str:fmt>",
        views_exchange.entry_export,
        name="entries_export",
    ),
    path("programmi/<slug:slug>/risorse/nuova/", views.entry_create, name="entry_create"),
    path("programmi/<slug:slug>/risorse/<int:entry_id>/", views.entry_detail, name="entry"),
    path(
        "programmi/<slug:slug>/risorse/<int:entry_id>/storna/",
        views_acts.entry_reverse,
        name="entry_reverse",
    ),
    path(
        "programmi/<slug:slug>/risorse/<int:entry_id>/verifica/",
        views_acts.entry_verify,
        name="entry_verify",
    ),
    path(
        "programmi/<slug:slug>/risorse/<int:entry_id>/conferma/",
        views_acts.entry_confirm,
        name="entry_confirm",
    ),
    path(
        "programmi/<slug:slug>/risorse/<int:entry_id>/documenti/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
    path("programmi/<slug:slug>/da-verificare/", views.verification_queue, name="queue"),
    path(
        "programmi/<slug:slug>/da-verificare/accetta/",
        views_acts.queue_verify,
        name="queue_verify",
    ),
    path("programmi/<slug:slug>/importa/", views_exchange.import_upload, name="import"),
    path(
        "programmi/<slug:slug>/importa/modello.<str:fmt>",
        views_exchange.import_template,
        name="import_template",
    ),
    path(
        "programmi/<slug:slug>/importa/<int:pk>/",
        views_exchange.import_review,
        name="import_review",
    ),
    path("enti/<slug:slug>/risorse/", views.organization_dashboard, name="organization"),
    path("contributi-da-confermare/", views.funder_queue, name="funder_queue"),
    path("contributi-da-confermare/conferma/", views_acts.queue_confirm, name="queue_confirm"),
]
