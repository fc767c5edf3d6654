from django.urls import path

from . import views, views_coprogramming, views_evaluation

app_name = "procedures"

urlpatterns = [
    path("avvisi/", views.call_list, name="calls"),
    path("avvisi/feed/", views.CallFeed(), name="feed"),
    path("avvisi/<int:pk>/", views.call_detail, name="call"),
    path("avvisi/<int:pk>/registro/", views.trail, name="trail"),
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
    path("proposte/<int:pk>/ricevuta.pdf", views.receipt_download, name="receipt_pdf"),
    path(
        "proposte/<int:pk>/integrazioni/<int:request_id>/invia/",
        views.proposal_integrate,
        name="integrate",
    ),
    path("proposte/<int:pk>/modifica/", views.proposal_update, name="proposal_update"),
    path("proposte/<int:pk>/piano/", views.proposal_add_line, name="proposal_add_line"),
    path("proposte/<int:pk>/partner/", views.proposal_invite, name="proposal_invite"),
    path("proposte/<int:pk>/conferma/", views.proposal_confirm, name="proposal_confirm"),
    path("ricevute/verifica/", views.receipt_check, name="receipt_check"),
    path("avvisi/<int:pk>/interesse/", views_coprogramming.interest, name="interest"),
    path("avvisi/<int:pk>/ammessi/", views_coprogramming.admit, name="admit_participants"),
    path("avvisi/<int:pk>/tavoli/", views_coprogramming.meeting, name="meeting"),
    path(
        "avvisi/<int:pk>/tavoli/<int:meeting_id>/verbale/",
        views_coprogramming.minutes,
        name="meeting_minutes",
    ),
    path("avvisi/<int:pk>/contributi/", views_coprogramming.contribute, name="contribute"),
    path("avvisi/<int:pk>/conclusione/", views_coprogramming.conclude, name="conclude"),
    path("avvisi/<int:pk>/co-progettazione/", views_coprogramming.start_codesign, name="codesign"),
    path("avvisi/<int:pk>/valutazione/", views_evaluation.desk, name="desk"),
    path("avvisi/<int:pk>/valutazione/nomina/", views_evaluation.appoint, name="appoint"),
    path("avvisi/<int:pk>/valutazione/avvia/", views_evaluation.start, name="evaluation_start"),
    path("avvisi/<int:pk>/valutazione/protocollo/", views_evaluation.protocol, name="protocol"),
    path("avvisi/<int:pk>/valutazione/dichiarazione/", views_evaluation.declare, name="declare"),
    path("avvisi/<int:pk>/valutazione/graduatoria/", views_evaluation.rank, name="rank"),
    path("avvisi/<int:pk>/valutazione/verbale.pdf", views_evaluation.minutes, name="minutes"),
    path("proposte/<int:pk>/ammissione/", views_evaluation.admission, name="admission"),
    path("proposte/<int:pk>/integrazioni/", views_evaluation.request_documents, name="documents"),
    path("proposte/<int:pk>/punteggi/", views_evaluation.score, name="score"),
]
