from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("comunita/discussioni/", views.categories, name="categories"),
    path("comunita/discussioni/moderazione/", views.queue, name="queue"),
    path("comunita/discussioni/c/<slug:slug>/", views.category, name="category"),
    path("comunita/discussioni/c/<slug:slug>/nuova/", views.new_thread, name="new_thread"),
    path(
        "comunita/discussioni/c/<slug:slug>/segui/", views.follow_category, name="follow_category"
    ),
    path("comunita/discussioni/t/<int:pk>/", views.thread, name="thread"),
    path("comunita/discussioni/t/<int:pk>/rispondi/", views.reply, name="reply"),
    path("comunita/discussioni/t/<int:pk>/segui/", views.follow_thread, name="follow_thread"),
    path("comunita/discussioni/t/<int:pk>/modera/", views.thread_act, name="thread_act"),
    path("comunita/discussioni/p/<int:pk>/accetta/", views.accept, name="accept"),
    path("comunita/discussioni/p/<int:pk>/segnala/", views.report, name="report"),
    path("comunita/discussioni/p/<int:pk>/nascondi/", views.hide, name="hide"),
    path("comunita/discussioni/p/<int:pk>/approva/", views.approve, name="approve"),
    path("comunita/discussioni/segnalazioni/<int:pk>/archivia/", views.dismiss, name="dismiss"),
    path("comunita/discussioni/membri/<int:pk>/escludi/", views.ban, name="ban"),
]
