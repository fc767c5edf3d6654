"""The inbox: a person's notifications, newest first, read one by one or all at once."""

import pytest
from django.urls import reverse

from trama.notifications.models import Kind, Notification
from trama.notifications.services import notify

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")


def tell(user, n=1, path="/avvisi/"):
    for i in range(n):
        notify(
            [user],
            Kind.QUESTION_ANSWERED,
            template="procedures/email/clarification_answered",
            context={
                "procedure": {"title": f"Evento n. {i} per l'abitare"},
                "clarification": {"question": "Domanda", "answer": "Risposta"},
            },
            path=path,
        )


def test_it_lists_newest_first_in_pages_with_a_bounded_number_of_queries(
    personas, client_for, django_assert_max_num_queries
):
    tell(personas.tom, 25)
    tell(personas.pat, 3)
    client = client_for(personas.tom)
    with django_assert_max_num_queries(7):
        page = client.get(INBOX).content.decode()
    assert page.count('<li class="mb-3 p-3 rounded') == 20
    assert "Evento n. 24 per l'abitare" in page.replace("&#x27;", "'")
    assert "Evento n. 4 per" not in page
    assert "Pagina 1 di 2" in page
    second = client.get(INBOX, {"page": 2}).content.decode()
    assert second.count('<li class="mb-3 p-3 rounded') == 5 and "Evento n. 0 per" in second
    # The unread count is in the header of every page.
    assert 'id="notifications-link"' in page and "25 da leggere" in page


def test_opening_marks_read_and_leads_to_the_act(personas, client_for):
    tell(personas.tom, 2)
    first, second = Notification.objects.filter(recipient=personas.tom).order_by("pk")
    client = client_for(personas.tom)
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/avvisi/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert "1 da leggere" in client.get(INBOX).content.decode()
    client.post(reverse("notifications:mark_read", args=[second.pk]), {"page": "1"})
    page = client.get(INBOX).content.decode()
    assert "da leggere" not in page
    assert "Segna tutte come lette" not in page


def test_mark_all_read_and_nobody_else_touches_my_notifications(personas, client_for):
    tell(personas.tom, 3)
    tell(personas.pat, 1)
    theirs = Notification.objects.get(recipient=personas.pat)
    client = client_for(personas.tom)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "Tutte le notifiche sono segnate come lette." in response.content.decode()
    assert not Notification.objects.filter(recipient=personas.tom, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_empty_inbox_and_anonymous_visitors(personas, client_for):
    page = client_for(personas.oscar).get(INBOX).content.decode()
    assert "Ancora nessuna notifica" in page
    assert "da leggere" not in page
    anonymous = client_for(None).get(INBOX)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]
