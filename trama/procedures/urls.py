from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("avvisi/", views.call_list, name="calls"),
    path("avvisi/feed/", views.CallFeed(), name="feed"),
    path("avvisi/<int:pk>/", views.call_detail, name="call"),
    path("avvisi/<int:pk>/pubblica/", views.call_publish, name="call_publish"),
    path("avvisi/<int:pk>/annulla/", views.call_cancel, name="call_cancel"),
    path("avvisi/<int:pk>/proroga/", views.call_extend, name="call_extend"),
    path("avvisi/<int:pk>/chiarimenti/", views.call_ask, name="call_ask"),
    path(
        "avvisi/<int:pk>/chiarimenti/<int:clarification_id>/risposta/",
        views.call_answer,
        name="call_answer",
    ),
    path("avvisi/<int:pk>/proposte/nuova/", views.proposal_start, name="proposal_start"),
    path("programmi/<slug:slug>/avvisi/nuovo/", views.call_create, name="call_create"),
    path("proposte/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposte/<int:pk>/presenta/", views.proposal_submit, name="proposal_submit"),
    path("ricevute/verifica/", views.receipt_check, name="receipt_check"),
]
