from django.urls import path

from . import views

app_name = "practices"

urlpatterns = [
    path("comunita/pratiche/", views.practices, name="practices"),
    path("comunita/pratiche/nuova/", views.practice_create, name="practice_create"),
    path("comunita/pratiche/<int:pk>/", views.practice, name="practice"),
    path("comunita/pratiche/<int:pk>/modifica/", views.practice_edit, name="practice_edit"),
    path("comunita/pratiche/<int:pk>/pubblica/", views.practice_publish, name="practice_publish"),
    path("comunita/pratiche/<int:pk>/versioni/", views.practice_history, name="practice_history"),
    path(
        "comunita/pratiche/<int:pk>/versioni/<int:number>/",
        views.practice_version,
        name="practice_version",
    ),
    path("comunita/pratiche/<int:pk>/commenti/", views.practice_comment, name="practice_comment"),
    path("comunita/commenti/<int:pk>/nascondi/", views.comment_hide, name="comment_hide"),
    path("comunita/biblioteca/", views.library, name="library"),
    path("comunita/biblioteca/nuovo/", views.document_create, name="document_create"),
    path("comunita/biblioteca/<int:pk>/", views.document, name="document"),
    path("comunita/biblioteca/<int:pk>/versione/", views.document_version, name="document_version"),
    path("comunita/biblioteca/<int:pk>/v<int:number>/scarica/", views.download, name="download"),
    path("comunita/biblioteca/<int:pk>/v<int:number>/anteprima/", views.preview, name="preview"),
    path("comunita/biblioteca/<int:pk>/usa/", views.use_template, name="use_template"),
]
