import html

from django.urls import reverse

from trama.procedures.models import Procedure

from .conftest import rome
from .reviewing import confirm


def test_a_coprogramming_runs_from_its_page(bodies, coprogramming, client_for, time_machine):
    url = reverse("procedures:call", args=[coprogramming.pk])
    tom = client_for(bodies.tom)
    page = tom.get(url).content.decode()
    assert "Manifesta interesse" in page
    tom.post(
        reverse("procedures:interest", args=[coprogramming.pk]),
        {"organization": bodies.consortium.pk, "motivation": "Rete giovani"},
    )
    time_machine.move_to(rome(2026, 2, 21, 9, 0), tick=False)
    alice = client_for(bodies.alice)
    participation = coprogramming.participations.get()
    admit = reverse("procedures:admit_participants", args=[coprogramming.pk])
    assert admit in alice.get(url).content.decode()
    review = html.unescape(alice.get(admit).content.decode())
    assert "Pubblica l'elenco dei partecipanti" in review and "Consorzio Lario" in review
    confirm(alice, admit, {f"admit-{participation.pk}": "yes"})
    alice.post(
        reverse("procedures:meeting", args=[coprogramming.pk]),
        {"title": "Tavolo lavoro", "held_at": "2026-03-02T17:00", "agenda": "Bisogni"},
    )
    tom = client_for(bodies.tom)
    tom.post(
        reverse("procedures:contribute", args=[coprogramming.pk]),
        {"organization": bodies.consortium.pk, "kind": "RESOURCE", "text": "Sala riunioni"},
    )
    alice = client_for(bodies.alice)
    confirm(
        alice,
        reverse("procedures:conclude", args=[coprogramming.pk]),
        {"final_document": "Tre azioni condivise."},
    )
    response = alice.post(
        reverse("procedures:codesign", args=[coprogramming.pk]), {"title": "Co-progettazione"}
    )
    codesign = Procedure.objects.get(title="Co-progettazione")
    assert response.url == reverse("procedures:call", args=[codesign.pk])
    public = client_for(None).get(url).content.decode()
    for text in ("Consorzio Lario", "Tavolo lavoro", "Sala riunioni", "Tre azioni condivise."):
        assert text in public
    assert codesign.description == "Tre azioni condivise."
