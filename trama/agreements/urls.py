from django.urls import path

from . import views_agreement as views
from . import views_dashboard, views_plan
from .urls_reports import urlpatterns as report_urls

app_name = "agreements"

urlpatterns = [
    *report_urls,
    path("convenzioni/<int:pk>/cruscotto/", views_dashboard.dashboard, name="dashboard"),
    path("convenzioni/<int:pk>/pubblica/", views_dashboard.public, name="public"),
    # The co-design table's budget plan.
    path("procedimenti/<int:pk>/tavolo/piano/", views_plan.plan_page, name="plan"),
    path("procedimenti/<int:pk>/tavolo/piano/righe/", views_plan.plan_add, name="plan_add"),
    path(
        "procedimenti/<int:pk>/tavolo/piano/anteprima/",
        views_plan.plan_preview,
        name="plan_preview",
    ),
    path(
        "procedimenti/<int:pk>/tavolo/piano/righe/<int:line_id>/rimuovi/",
        views_plan.plan_remove,
        name="plan_remove",
    ),
    # The agreement.
    path("procedimenti/<int:pk>/tavolo/convenzione/", views.agreement_new, name="new"),
    path("convenzioni/<int:pk>/", views.agreement_detail, name="agreement"),
    path("convenzioni/<int:pk>/modifica/", views.agreement_edit, name="edit"),
    path("convenzioni/<int:pk>/emetti/", views.agreement_issue, name="issue"),
    path("convenzioni/<int:pk>/annulla/", views.agreement_cancel, name="cancel"),
    path("convenzioni/<int:pk>/firma/", views.agreement_sign, name="sign"),
    path("convenzioni/<int:pk>/firme/<int:copy_id>/", views.signed_copy_file, name="signed_copy"),
    path("convenzioni/<int:pk>/parti/<int:party_id>/", views.party_edit, name="party"),
    path(
        "convenzioni/<int:pk>/parti/<int:party_id>/recesso/",
        views.party_withdraw,
        name="party_withdraw",
    ),
    path(
        "convenzioni/<int:pk>/parti/<int:party_id>/pubblicazione/",
        views.party_published,
        name="party_published",
    ),
    path(
        "convenzioni/<int:pk>/indicatori/<int:indicator_id>/obiettivi/",
        views.target_set,
        name="target",
    ),
    path("convenzioni/<int:pk>/<slug:part>/aggiungi/", views.part_add, name="part_add"),
    path(
        "convenzioni/<int:pk>/<slug:part>/<int:item>/rimuovi/",
        views.part_remove,
        name="part_remove",
    ),
    path("convenzioni/<int:pk>/versioni/<int:number>/pdf/", views.version_pdf, name="version_pdf"),
    path(
        "convenzioni/<int:pk>/versioni/<int:number>/docx/",
        views.version_docx,
        name="version_docx",
    ),
]
