from django.urls import reverse

from trama.procedures import services
from trama.procedures.models import Proposal

from .conftest import complete_proposal, rome


def test_the_commission_evaluates_and_the_rup_publishes_the_ranking_through_the_pages(
    bodies, call, client_for, time_machine
):
    first = complete_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Casa comune")
    second = complete_proposal(call, by=bodies.una, lead=bodies.aps, title="Ponte", amount="500")
    services.submit_proposal(first, by=bodies.tom)
    services.submit_proposal(second, by=bodies.una)
    desk = reverse("procedures:desk", args=[call.pk])
    # Before the deadline the desk shows nothing; outsiders don't get in at all.
    assert "sigillate" in client_for(bodies.alice).get(desk).content.decode()
    assert client_for(bodies.oscar).get(desk).status_code == 403
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    alice = client_for(bodies.alice)
    alice.post(reverse("procedures:appoint", args=[call.pk]), {"email": "eve@trama.test"})
    alice.post(reverse("procedures:evaluation_start", args=[call.pk]))
    page = alice.get(desk).content.decode()
    assert "Casa comune" not in page and "Leggi la proposta" not in page  # not declared yet
    alice.post(reverse("procedures:declare", args=[call.pk]), {"conflict": "no"})
    for proposal in (first, second):
        alice.post(
            reverse("procedures:admission", args=[proposal.pk]),
            {"decision": "admit", "reason": "Requisiti presenti"},
        )
    eve = client_for(bodies.eve)  # the same client, now signed in as Eve
    eve.post(reverse("procedures:declare", args=[call.pk]), {"conflict": "no"})
    quality, resources = call.criteria.all()
    response = eve.post(
        reverse("procedures:score", args=[first.pk]),
        {f"points-{quality.pk}": "75", f"rationale-{quality.pk}": "Troppo"},
        follow=True,
    )
    assert "Assegna da 0 a 60 punti" in response.content.decode()
    for proposal, points in ((first, ("55", "35")), (second, ("40", "25,5"))):
        eve.post(
            reverse("procedures:score", args=[proposal.pk]),
            {
                f"points-{quality.pk}": points[0],
                f"rationale-{quality.pk}": "Motivazione A",
                f"points-{resources.pk}": points[1],
                f"rationale-{resources.pk}": "Motivazione B",
            },
        )
    alice = client_for(bodies.alice)  # one test client: sign Alice in again
    ranked = alice.post(
        reverse("procedures:rank", args=[call.pk]), {"protocol_number": "PG 123/2026"}, follow=True
    )
    assert "Graduatoria approvata e pubblicata" in ranked.content.decode(), ranked.content.decode()[
        -3000:
    ]
    public = client_for(None).get(reverse("procedures:call", args=[call.pk])).content.decode()
    assert "Graduatoria" in public and "PG 123/2026" in public
    assert public.index(bodies.consortium.name) < public.index(bodies.aps.name)
    first.refresh_from_db()
    assert first.state == Proposal.State.SELECTED and first.total_score == 90
    mine = client_for(bodies.tom).get(reverse("procedures:proposal", args=[first.pk]))
    assert "Motivazione B" in mine.content.decode() and "90,00" in mine.content.decode()
    # The other applicant's scores stay with the other applicant.
    assert (
        client_for(bodies.tom).get(reverse("procedures:proposal", args=[second.pk])).status_code
        == 404
    )
    # The PDFs: the receipt for its partners, the minutes for the RUP and the commission.
    alice = client_for(bodies.alice)
    minutes = alice.get(reverse("procedures:minutes", args=[call.pk]))
    assert minutes["Content-Type"] == "application/pdf" and minutes.content.startswith(b"%PDF")
    tom = client_for(bodies.tom)
    receipt = tom.get(reverse("procedures:receipt_pdf", args=[first.pk]))
    assert receipt.content.startswith(b"%PDF")
    assert first.receipt.number in receipt["Content-Disposition"]
    assert tom.get(reverse("procedures:minutes", args=[call.pk])).status_code == 403
