"""Each person chooses, per kind of event: an e-mail at once, a daily digest, or the inbox only."""

import pytest
from django.core import mail
from django.urls import reverse

from trama.notifications.models import Delivery, Kind, Notification
from trama.notifications.services import notify, send_digests

from .helpers import assert_reads_plainly, html_of

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("notifications:preferences")


def answered(user, title):
    notify(
        [user],
        Kind.QUESTION_ANSWERED,
        template="procedures/email/clarification_answered",
        context={
            "procedure": {"title": title},
            "clarification": {"question": "Domanda", "answer": "Risposta"},
        },
        path="/avvisi/",
    )


def choose(client, **choices):
    page = client.get(PREFERENCES)
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(choices)
    return client.post(PREFERENCES, data)


def test_a_digest_gathers_several_events_in_one_email_sent_once(
    personas, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.tom)
    response = choose(client, question_answered=Delivery.DIGEST)
    assert response.status_code == 302
    assert "Le tue scelte sono state salvate." in client.get(PREFERENCES).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("Avviso per l'abitare", "Avviso giovani & lavoro", "Avviso cultura"):
            answered(personas.tom, title)
        answered(personas.pat, "Avviso per l'abitare")  # Pat chose nothing: at once
    assert [m.to for m in mail.outbox] == [["pat@trama.test"]]
    assert Notification.objects.filter(recipient=personas.tom).count() == 3

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 1
    [digest] = mail.outbox
    assert digest.to == ["tom@trama.test"]
    assert digest.subject == "[Trama] 3 nuove notifiche su Trama"
    assert_reads_plainly(
        digest, "Avviso per l'abitare", "Avviso giovani & lavoro", "Avviso cultura"
    )
    assert "http://127.0.0.1:8000/avvisi/" in digest.body
    assert "Avviso giovani &amp; lavoro" in html_of(digest)

    # The next run finds nothing new: no row is ever sent twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 0
        answered(personas.tom, "Un altro avviso")
        assert send_digests() == 1
    [digest] = mail.outbox
    assert digest.subject == "[Trama] 1 nuova notifica su Trama"


def test_inbox_only_sends_no_email_and_read_rows_leave_the_digest(
    personas, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.tom)
    choose(client, question_answered=Delivery.INBOX, partner_invited=Delivery.DIGEST)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answered(personas.tom, "Avviso per l'abitare")
        notify(
            [personas.tom],
            Kind.PARTNER_INVITED,
            template="procedures/email/partner_invited",
            context={
                "lead": {"name": "APS Ponte"},
                "organization": {"name": "Consorzio Lario"},
                "proposal": {"procedure": {"title": "Avviso"}},
            },
            path="/avvisi/",
        )
        client.post(reverse("notifications:mark_all_read"))
        assert send_digests() == 0
    assert mail.outbox == []
    assert "1 da leggere" not in client.get(reverse("notifications:inbox")).content.decode()


def test_staff_kinds_are_offered_to_staff_only_and_bad_choices_are_refused(personas, client_for):
    page = client_for(personas.tom).get(PREFERENCES).content.decode()
    assert "Enti da verificare" not in page and "Un contributo indica la tua fondazione" in page
    assert "Enti da verificare" in client_for(personas.sam).get(PREFERENCES).content.decode()
    client = client_for(personas.tom)
    response = choose(client, question_answered="weekly")
    assert response.status_code == 400
    assert not personas.tom.notification_preferences.exists()
    assert choose(client, body_to_verify=Delivery.INBOX).status_code == 302
    assert not personas.tom.notification_preferences.exists()  # not a staff kind for Tom
