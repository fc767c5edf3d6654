from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from trama.community.models import Member
from trama.community.services import leave_community
from trama.community.tests.conftest import join
from trama.community.whatsnew import services
from trama.community.whatsnew.models import WeeklyMark
from trama.community.whatsnew.tasks import send_weekly_digests

from .conftest import practice

pytestmark = pytest.mark.django_db


def _opt_in(*members):
    Member.objects.filter(pk__in=[m.pk for m in members]).update(weekly_digest=True)


def test_the_weekly_digest_goes_once_a_week_to_who_asked_for_it(
    world, django_capture_on_commit_callbacks, time_machine
):
    _opt_in(world.alice, world.tom, world.pat)
    Member.objects.filter(pk=world.pat.pk).update(weekly_digest=False)  # changed his mind
    leave_community(world.tom, by=world.p.tom)  # left: nothing for him any more
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_weekly_digests() == 1
        assert services.send_weekly_digests() == 0  # a second run the same week sends nothing
    [digest] = mail.outbox
    assert digest.to == ["alice@trama.test"]
    # Alice's week: 2 sheets, 2 documents, an event, a material, a thread.
    assert digest.subject == "[Trama] 7 novità nella comunità questa settimana"
    body = digest.body
    assert "Ciao Alice Rossi," in body
    assert "nei temi e nella regione che segui" in body
    assert "Schede di pratica: Pratica lombarda" in body
    assert "Discussioni: Ore dei volontari — Volontariato · Membro " in body  # tom left
    assert "Eventi: Seminario a Lecco — Lecco · dal " in body
    assert "Verbale riservato" not in body and "Discussione trattenuta" not in body
    assert settings.SITE_URL + reverse("community:edit") in body  # to stop it
    assert "togli la spunta nel tuo profilo" in body
    [(html, _type)] = digest.alternatives
    assert "Pratica lombarda" in html and reverse("whatsnew:whats_new") in html

    # A week later with nothing new: no e-mail, but the week is covered.
    time_machine.move_to(timezone.now() + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_weekly_digests() == 0
    assert len(mail.outbox) == 1
    mark = WeeklyMark.objects.get(member=world.alice)
    assert mark.covered_until >= timezone.now() - timedelta(minutes=1)

    # The week after, only what is new since the last one.
    time_machine.move_to(timezone.now() + timedelta(days=7))
    practice("Pratica nuova", world.tom, region=world.lombardia, at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert send_weekly_digests.call() == 1  # the scheduled task itself
    latest = mail.outbox[-1]
    assert latest.subject == "[Trama] 1 novità nella comunità questa settimana"
    assert "Pratica nuova" in latest.body and "Pratica lombarda" not in latest.body


def test_the_profile_form_turns_the_digest_on_and_off(personas, client_for):
    pat = join(personas.pat, name="Pat Neri")
    client = client_for(personas.pat)
    page = client.get(reverse("community:edit"))
    assert "Mandami ogni settimana le novità per e-mail" in page.content.decode()
    data = {"display_name": "Pat Neri", "visibility": "MEMBERS", "weekly_digest": "on"}
    assert client.post(reverse("community:edit"), data).status_code == 302
    assert Member.objects.get(pk=pat.pk).weekly_digest is True
    data.pop("weekly_digest")
    client.post(reverse("community:edit"), data)
    assert Member.objects.get(pk=pat.pk).weekly_digest is False
