import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trama.procedures import services
from trama.procedures.models import Proposal, ProposalFile

from .conftest import complete_proposal, rome
from .reviewing import confirm


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
    confirm(alice, reverse("procedures:evaluation_start", args=[call.pk]))
    page = alice.get(desk).content.decode()
    assert "Casa comune" not in page and "Leggi la proposta" not in page  # not declared yet
    confirm(alice, reverse("procedures:declare", args=[call.pk]), {"conflict": "no"})
    for proposal in (first, second):
        alice.post(
            reverse("procedures:admission", args=[proposal.pk]),
            {"decision": "admit", "reason": "Requisiti presenti"},
        )
    eve = client_for(bodies.eve)  # the same client, now signed in as Eve
    confirm(eve, reverse("procedures:declare", args=[call.pk]), {"conflict": "no"})
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
    desk_page = alice.get(desk).content.decode()
    assert "punteggio finora 90,00" in desk_page and "punteggio finora 65,50" in desk_page
    ranked = confirm(
        alice,
        reverse("procedures:rank", args=[call.pk]),
        {"protocol_number": "PG 123/2026"},
        follow=True,
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


def test_missing_documents_arrive_only_on_request_and_before_its_deadline(
    bodies, call, client_for, time_machine
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    receipt = services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    # After the deadline a document outside a request is refused.
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.attach_file(proposal, by=bodies.tom, upload=SimpleUploadedFile("x.pdf", b"%PDF-1"))
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve)
    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    request = services.request_documents(
        proposal, by=bodies.alice, text="Manca lo statuto", deadline=rome(2026, 4, 3, 12, 0)
    )
    tom = client_for(bodies.tom)
    page = tom.get(reverse("procedures:proposal", args=[proposal.pk])).content.decode()
    assert "Manca lo statuto" in page
    tom.post(
        reverse("procedures:integrate", args=[proposal.pk, request.pk]),
        {"files": SimpleUploadedFile("statuto.pdf", b"%PDF-1.7\n%%EOF\n")},
    )
    sent = ProposalFile.objects.get(request=request)
    assert sent.kind == "INTEGRATION" and sent.name == "statuto.pdf"
    receipt.refresh_from_db()  # the original receipt is untouched, the file sits beside it
    assert "statuto" not in receipt.canonical_json
    time_machine.move_to(rome(2026, 4, 3, 12, 0, 1), tick=False)
    response = tom.post(
        reverse("procedures:integrate", args=[proposal.pk, request.pk]),
        {"files": SimpleUploadedFile("tardi.pdf", b"%PDF-1.7\n%%EOF\n")},
        follow=True,
    )
    assert "La scadenza di questa richiesta è passata." in response.content.decode()
    assert ProposalFile.objects.filter(request=request).count() == 1
