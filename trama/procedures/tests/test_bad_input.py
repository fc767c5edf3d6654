"""Bad input and wrong hands: a clear refusal, never a 500, nothing half-saved."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trama.organizations.models import Membership
from trama.procedures import services
from trama.procedures.models import Procedure, Proposal

from .conftest import complete_proposal, rome
from .reviewing import confirm
from .test_pages import call_post
from .test_workflow import _evaluate


def test_staff_cannot_change_a_procedure_in_the_admin(bodies, call, client_for):
    bodies.sam.is_superuser = True
    bodies.sam.save()
    client = client_for(bodies.sam)
    url = reverse("admin:procedures_procedure_change", args=[call.pk])
    assert client.get(url).status_code == 200  # visible
    response = client.post(url, {"rup": bodies.sam.pk, "state": "CLOSED"})
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.rup == bodies.alice and call.state == "PUBLISHED"


def test_malformed_ids_dates_and_numbers_are_refused_not_crashed(
    bodies, call, client_for, time_machine
):
    alice = client_for(bodies.alice)
    too_big = alice.post(
        reverse("procedures:call_create", args=[call.program.slug]),
        call_post(criteria=[("Qualità", "100000")], title="X"),
    )
    assert too_big.status_code == 400
    assert "il valore massimo accettato è 1.000,00" in too_big.content.decode()
    assert not Procedure.objects.filter(title="X").exists()
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve)
    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    alice = client_for(bodies.alice)
    for url, data in (
        (
            reverse("procedures:protocol", args=[call.pk]),
            {"receipt": "abc", "protocol_number": "1"},
        ),
        (
            reverse("procedures:documents", args=[proposal.pk]),
            {"text": "Statuto", "deadline": "2026-02-30T10:00"},
        ),
    ):
        response = alice.post(url, data)
        assert response.status_code == 400, url  # the desk again, with the reason
    assert not proposal.document_requests.exists()
    assert "Indica la scadenza della richiesta come data e ora." in response.content.decode()
    services.decide_admission(proposal, by=bodies.alice, admit=True, reason="Ok")
    services.declare_interests(call, by=bodies.eve, has_conflict=False)
    criterion = call.criteria.first()
    eve = client_for(bodies.eve)
    response = eve.post(
        reverse("procedures:score", args=[proposal.pk]),
        {f"points-{criterion.pk}": "tanti", f"rationale-{criterion.pk}": "Boh"},
    )
    assert response.status_code == 400
    assert "“tanti” non è un numero" in response.content.decode()
    assert "Boh" in response.content.decode()  # the rationale typed stays
    assert not proposal.scores.exists()


def test_a_budget_total_out_of_range_is_refused_and_saves_nothing(bodies, call):
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="X")
    for bad in ("-5", "1e15", "12.345"):
        with pytest.raises(ValidationError):
            services.update_proposal(proposal, by=bodies.tom, budget_total=bad)
    proposal.refresh_from_db()
    assert proposal.budget_total is None


def test_a_rup_with_a_conflict_cannot_publish_the_ranking(bodies, call, time_machine):
    _evaluate(bodies, call, time_machine)
    # Fiona declared a conflict in _evaluate; were she the RUP (a member of the owning
    # body, here made so directly), she still could not approve the ranking.

    Membership.objects.create(organization=bodies.comune, user=bodies.fiona, role="MEMBER")
    Procedure.objects.filter(pk=call.pk).update(rup=bodies.fiona)
    call.refresh_from_db()
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        services.approve_ranking(call, by=bodies.fiona)


def test_a_protocol_number_is_written_once_and_documents_stop_after_admission(
    bodies, call, time_machine
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    receipt = services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve)
    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    services.record_protocol_number(receipt, by=bodies.alice, protocol_number="PG 1")
    with pytest.raises(ValidationError, match="already registered as PG 1"):
        services.record_protocol_number(receipt, by=bodies.alice, protocol_number="PG 2")
    request = services.request_documents(
        proposal, by=bodies.alice, text="Statuto", deadline=rome(2026, 4, 5, 12, 0)
    )
    services.decide_admission(proposal, by=bodies.alice, admit=False, reason="Manca lo statuto")

    with pytest.raises(ValidationError, match="Admission has been decided"):
        services.attach_file(
            proposal,
            by=bodies.tom,
            upload=SimpleUploadedFile("statuto.pdf", b"%PDF-1.7\n%%EOF\n"),
            request=request,
        )
    assert Proposal.objects.get(pk=proposal.pk).files.filter(kind="INTEGRATION").count() == 0


def test_an_admin_of_lead_and_partner_edits_as_lead_and_confirms_as_partner(
    bodies, call, client_for
):
    tom = client_for(bodies.tom)
    tom.post(
        reverse("procedures:proposal_start", args=[call.pk]),
        {"lead": bodies.consortium.pk, "title": "Casa comune"},
    )
    proposal = Proposal.objects.get(lead=bodies.consortium)
    services.invite_partner(proposal, by=bodies.tom, organization=bodies.coop)
    page = tom.get(reverse("procedures:proposal", args=[proposal.pk])).content.decode()
    assert "Testo della proposta" in page and "Conferma la partecipazione" in page
    confirm(tom, reverse("procedures:proposal_confirm", args=[proposal.pk]))
    assert proposal.partners.get(organization=bodies.coop).confirmed_at is not None
