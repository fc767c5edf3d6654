"""Co-production URLs, included by agreements/urls.py."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("convenzioni/<int:pk>/rendiconti/", views.reports_list, name="reports"),
    path("convenzioni/<int:pk>/rendiconti/<int:number>/", views.report_detail, name="report"),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/apri/",
        views.report_open,
        name="report_open",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/modifica/",
        views.report_save,
        name="report_save",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/risorse/",
        views.report_line,
        name="report_line",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/risorse/<int:line_id>/",
        views.report_line_edit,
        name="report_line_edit",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/risorse/<int:line_id>/documento/",
        views.report_line_evidence,
        name="report_line_evidence",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/risorse/elimina/",
        views.report_line_remove,
        name="report_line_remove",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/invia/",
        views.report_submit,
        name="report_submit",
    ),
    path(
        "convenzioni/<int:pk>/rendiconti/<int:number>/verifica/",
        views.report_verify,
        name="report_verify",
    ),
    path("convenzioni/<int:pk>/pagamenti/", views.payments_page, name="payments"),
    path(
        "convenzioni/<int:pk>/pagamenti/<int:tranche_id>/registra/",
        views.payment_record,
        name="payment_record",
    ),
    path("convenzioni/<int:pk>/chiusura/", views.agreement_complete, name="complete"),
    path("convenzioni/<int:pk>/risoluzione/", views.agreement_terminate, name="terminate"),
]
