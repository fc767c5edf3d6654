import datetime
import hashlib
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.http import Http404

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for, verify_chain
from trama.audit.tests.test_chain import _tamper
from trama.ledger.models import LedgerEntry
from trama.organizations.services import verify_organization
from trama.procedures import services
from trama.procedures.access import access_procedure, access_proposal
from trama.procedures.models import Procedure, Proposal, Receipt
from trama.procedures.services.uploads import MAX_FILE_BYTES
from trama.programs.services import create_program

from .conftest import complete_proposal, pdf, rome

pytestmark = pytest.mark.django_db(transaction=False)


def test_it_refuses_to_publish_for_an_unverified_body_or_an_incomplete_call(bodies):
    program = create_program(
        by=bodies.alice, owner=bodies.comune, title="P", start_year=2026, end_year=2027
    )
    draft = services.create_call(by=bodies.alice, program=program, title="Avviso")
    with pytest.raises(ValidationError) as error:
        services.publish_call(draft, by=bodies.alice)
    assert "Set a deadline." in error.value.messages
    verify_organization(bodies.comune, by=bodies.sam, verified=False)
    with pytest.raises(PermissionDenied):
        services.publish_call(draft, by=bodies.alice)
    draft.refresh_from_db()
    assert draft.state == Procedure.State.DRAFT and draft.published_at is None


def test_a_draft_call_is_hidden_from_everyone_but_the_owning_body(bodies, call):
    draft = services.create_call(by=bodies.alice, program=call.program, title="Bozza")
    assert access_procedure(bodies.eve, draft.pk).is_officer
    for outsider in (bodies.tom, bodies.oscar, bodies.sam):
        with pytest.raises(Http404):
            access_procedure(outsider, draft.pk)
    assert list(Procedure.objects.open_calls()) == [call]


def test_submission_at_the_deadline_is_on_time_and_one_second_later_is_refused(
    bodies, call, time_machine
):
    on_time = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    late = complete_proposal(call, by=bodies.una, lead=bodies.aps, title="Ponte")
    time_machine.move_to(rome(2026, 3, 30, 12, 0, 0), tick=False)
    receipt = services.submit_proposal(on_time, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 30, 12, 0, 1), tick=False)
    with pytest.raises(ValidationError, match="deadline for proposals has passed"):
        services.submit_proposal(late, by=bodies.una)
    late.refresh_from_db()
    assert late.state == Proposal.State.DRAFT
    assert not Receipt.objects.filter(proposal=late).exists()
    assert receipt.issued_at == rome(2026, 3, 30, 12, 0, 0)


def test_deadlines_hold_across_daylight_saving_changes(bodies, call, time_machine):
    utc = datetime.UTC
    # Published in winter time, due on 30 March at 12:00 — summer time since the 29th.
    assert call.deadline == datetime.datetime(2026, 3, 30, 10, 0, tzinfo=utc)
    # Extended to 25 October 02:30, the second one (winter time again): 01:30 UTC.
    services.extend_deadline(
        call, by=bodies.alice, deadline=rome(2026, 10, 25, 2, 30, fold=1), reason="Proroga"
    )
    call.refresh_from_db()
    assert call.deadline == datetime.datetime(2026, 10, 25, 1, 30, tzinfo=utc)
    on_time = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    late = complete_proposal(call, by=bodies.una, lead=bodies.aps, title="Ponte")
    # 02:30 the first time round (00:30 UTC) is an hour before the deadline.
    time_machine.move_to(rome(2026, 10, 25, 2, 30, fold=0), tick=False)
    services.submit_proposal(on_time, by=bodies.tom)
    time_machine.move_to(datetime.datetime(2026, 10, 25, 1, 30, 1, tzinfo=utc), tick=False)
    with pytest.raises(ValidationError, match="deadline for proposals has passed"):
        services.submit_proposal(late, by=bodies.una)
    assert services.close_due_procedures() == 1
    call.refresh_from_db()
    assert call.state == Procedure.State.CLOSED
    assert call.notices.get().kind == "EXTENSION"


def test_a_receipt_is_the_sha256_of_the_documented_canonical_json(
    bodies, call, django_capture_on_commit_callbacks
):
    proposal = complete_proposal(
        call, by=bodies.tom, lead=bodies.consortium, partners=[(bodies.coop, bodies.tom)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.submit_proposal(proposal, by=bodies.tom)
    assert hashlib.sha256(receipt.canonical_json.encode()).hexdigest() == receipt.sha256
    content = json.loads(receipt.canonical_json)
    assert content["title"] == "Casa comune"
    assert content["partners"] == sorted([bodies.consortium.tax_code, bodies.coop.tax_code])
    assert content["files"][0]["sha256"] == hashlib.sha256(pdf().read()).hexdigest()
    assert receipt.number == f"{call.pk}-00001"
    # A double click gets the same receipt, not a second one.
    assert services.submit_proposal(proposal, by=bodies.tom) == receipt
    assert Receipt.objects.count() == 1
    (message,) = [m for m in mail.outbox if receipt.number in m.subject]
    assert receipt.sha256 in message.body


def test_it_refuses_an_incomplete_submission_and_saves_nothing(bodies, call):
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="X")
    services.invite_partner(proposal, by=bodies.tom, organization=bodies.aps)
    services.update_proposal(proposal, by=bodies.tom, budget_total="500.00")
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(proposal, by=bodies.tom)
    text = " ".join(error.value.messages)
    assert "have not confirmed yet: APS Ponte" in text
    assert "Write these sections" in text
    assert "Attach at least one document" in text
    assert "add up to 0,00 €, not the 500,00 € declared" in text  # amounts the Italian way
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DRAFT
    call.refresh_from_db()
    assert call.receipts_issued == 0


def test_files_must_be_what_they_claim_and_signed_files_are_kept_byte_for_byte(bodies, call):
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="X")
    with pytest.raises(ValidationError, match="is not a PDF file"):
        services.attach_file(proposal, by=bodies.tom, upload=pdf(content=b"MZ\x90\x00 exe"))
    with pytest.raises(ValidationError, match="Accepted files"):
        services.attach_file(proposal, by=bodies.tom, upload=pdf(name="virus.exe"))
    signed = (
        bytes.fromhex("3082") + b"\x00\x01" + bytes.fromhex("06092a864886f70d010702") + b"x" * 40
    )
    kept = services.attach_file(proposal, by=bodies.tom, upload=pdf("domanda.pdf.p7m", signed))
    kept.file.open("rb")
    assert kept.file.read() == signed
    assert proposal.files.count() == 1


def test_sealing_before_the_deadline_then_readers_after_declaring(bodies, call, time_machine):
    proposal = complete_proposal(
        call, by=bodies.tom, lead=bodies.consortium, partners=[(bodies.coop, bodies.tom)]
    )
    services.submit_proposal(proposal, by=bodies.tom)
    assert access_proposal(bodies.pat, proposal.pk).reads_content  # a partner's member
    for outsider in (bodies.alice, bodies.eve, bodies.sam, bodies.oscar, bodies.fiona, None):
        with pytest.raises(Http404):
            access_proposal(outsider, proposal.pk)
    time_machine.move_to(rome(2026, 3, 30, 12, 0, 1), tick=False)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve)
    assert not access_proposal(bodies.alice, proposal.pk).reads_content  # RUP, undeclared
    assert not access_proposal(bodies.eve, proposal.pk).reads_content  # evaluator, undeclared
    services.declare_interests(call, by=bodies.eve, has_conflict=False)
    assert access_proposal(bodies.eve, proposal.pk).reads_content
    for outsider in (bodies.sam, bodies.oscar, bodies.fiona):
        with pytest.raises(Http404):
            access_proposal(outsider, proposal.pk)


def _evaluate(bodies, call, time_machine):
    first = complete_proposal(
        call, by=bodies.tom, lead=bodies.consortium, partners=[(bodies.coop, bodies.tom)]
    )
    second = complete_proposal(call, by=bodies.una, lead=bodies.aps, title="Ponte", amount="500")
    services.submit_proposal(first, by=bodies.tom)
    services.submit_proposal(second, by=bodies.una)
    time_machine.move_to(rome(2026, 4, 2, 9, 0), tick=False)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve, is_chair=True)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.fiona)
    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    services.declare_interests(call, by=bodies.eve, has_conflict=False)
    services.declare_interests(call, by=bodies.fiona, has_conflict=True, note="Socia")
    call.refresh_from_db()
    for proposal in (first, second):
        services.decide_admission(proposal, by=bodies.alice, admit=True, reason="Requisiti ok")
    return first, second


def test_scores_are_checked_and_the_ranking_publishes_once(bodies, call, time_machine):
    first, second = _evaluate(bodies, call, time_machine)
    quality, resources = call.criteria.all()
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        services.score_proposal(
            first, by=bodies.fiona, criterion=quality, points="50", rationale="Buono"
        )
    with pytest.raises(ValidationError, match="between 0 and 60"):
        services.score_proposal(
            first, by=bodies.eve, criterion=quality, points="61", rationale="Troppo"
        )
    with pytest.raises(ValidationError, match="Not every evaluator"):
        services.approve_ranking(call, by=bodies.alice)
    for proposal, points in ((first, ("55", "35")), (second, ("30", "20"))):
        for criterion, value in zip((quality, resources), points, strict=True):
            services.score_proposal(
                proposal, by=bodies.eve, criterion=criterion, points=value, rationale="Motivato"
            )
    with pytest.raises(PermissionDenied):
        services.approve_ranking(call, by=bodies.eve)  # an officer, not the RUP
    ranked = services.approve_ranking(call, by=bodies.alice)
    assert [(p.lead, p.rank, p.total_score, p.state) for p in ranked] == [
        (bodies.consortium, 1, 90, Proposal.State.SELECTED),
        (bodies.aps, 2, 50, Proposal.State.NOT_SELECTED),  # under the 60-point threshold
    ]
    with pytest.raises(ValidationError, match="already been published"):
        services.approve_ranking(call, by=bodies.alice)
    # Only the selected proposal's sealed budget plan became ledger pledges.
    pledges = LedgerEntry.objects.filter(procedure=call)
    assert [(e.contributor, e.kind, e.amount) for e in pledges] == [
        (bodies.consortium, "PLEDGE", 10000)
    ]


def test_the_procedure_trail_is_a_chain_that_detects_tampering(bodies, call, time_machine):
    _evaluate(bodies, call, time_machine)
    chain = chain_for(call)
    report = verify_chain(chain)
    assert report.ok and report.events >= 10
    submitted = AuditEvent.objects.filter(chain=chain, action="proposal.submitted")
    assert all("Casa comune" not in json.dumps(e.data) for e in submitted)

    _tamper("UPDATE audit_auditevent SET data = '{}' WHERE id = %s", [submitted.first().pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", chain)
    assert not verify_chain(chain).ok


def test_a_new_version_replaces_the_submitted_one_and_withdrawal_before_the_deadline(bodies, call):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    first_receipt = services.submit_proposal(proposal, by=bodies.tom)
    new = services.start_new_version(proposal, by=bodies.tom)
    services.update_proposal(new, by=bodies.tom, title="Casa comune, versione 2")
    second_receipt = services.submit_proposal(new, by=bodies.tom)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REPLACED
    assert second_receipt.sha256 != first_receipt.sha256
    assert list(call.proposals.received()) == [new]
    services.withdraw_proposal(new, by=bodies.tom)
    assert not call.proposals.received().exists()


def test_drafts_are_reminded_once_when_the_deadline_is_near(
    bodies, call, time_machine, django_capture_on_commit_callbacks
):
    draft = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Bozza")
    submitted = complete_proposal(call, by=bodies.una, lead=bodies.aps, title="Pronta")
    services.submit_proposal(submitted, by=bodies.una)
    mail.outbox.clear()
    time_machine.move_to(rome(2026, 3, 27, 9, 0), tick=False)  # three days before: too early
    assert services.send_deadline_reminders() == 0
    time_machine.move_to(rome(2026, 3, 29, 9, 0), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("procedure_housekeeping")
        call_command("procedure_housekeeping")  # a second run sends nothing more
    (message,) = mail.outbox
    assert message.to == ["tom@trama.test"] and "scadenza" in message.subject.lower()
    draft.refresh_from_db()
    assert draft.reminded_at is not None


def test_the_public_body_registers_receipts_in_its_protocol_after_the_deadline(
    bodies, call, time_machine
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    receipt = services.submit_proposal(proposal, by=bodies.tom)
    with pytest.raises(ValidationError, match="after the deadline"):
        services.record_protocol_number(receipt, by=bodies.eve, protocol_number="PG 1")
    time_machine.move_to(rome(2026, 3, 30, 12, 1), tick=False)
    services.close_due_procedures()
    with pytest.raises(PermissionDenied):
        services.record_protocol_number(receipt, by=bodies.tom, protocol_number="PG 1")
    services.record_protocol_number(receipt, by=bodies.eve, protocol_number="PG 4521/2026")
    receipt.refresh_from_db()
    assert receipt.protocol_number == "PG 4521/2026"
    assert hashlib.sha256(receipt.canonical_json.encode()).hexdigest() == receipt.sha256


def test_acts_out_of_order_are_refused_and_change_nothing(bodies, call):
    # A published call cannot jump to the evaluation or the ranking before its deadline.
    with pytest.raises(ValidationError, match="cannot become"):
        services.start_evaluation(call, by=bodies.alice)
    with pytest.raises(ValidationError, match="cannot become"):
        services.approve_ranking(call, by=bodies.alice)
    call.refresh_from_db()
    assert call.state == Procedure.State.PUBLISHED
    # A cancelled procedure stays cancelled: it cannot be cancelled again or republished.
    services.cancel_procedure(call, by=bodies.alice, reason="Risorse revocate")
    call.refresh_from_db()
    for act in (
        lambda: services.cancel_procedure(call, by=bodies.alice, reason="Ancora"),
        lambda: services.publish_call(call, by=bodies.alice),
    ):
        with pytest.raises(ValidationError, match="cannot become"):
            act()
    assert call.notices.get().kind == "CANCELLATION"
    # A procedure recorded from history has no transitions at all.
    historical = services.record_historical_procedure(
        by=bodies.alice, program=call.program, title="Avviso 2011", kind="CO_DESIGN"
    )
    with pytest.raises(ValidationError, match="cannot become"):
        services.publish_call(historical, by=bodies.alice)


def test_a_file_over_the_size_limit_is_refused(bodies, call):
    proposal = services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="X")
    big = SimpleUploadedFile("allegato.pdf", b"%PDF-1.7\n" + b"0" * MAX_FILE_BYTES)
    with pytest.raises(ValidationError, match="larger than 20 MB"):
        services.attach_file(proposal, by=bodies.tom, upload=big)
    assert not proposal.files.exists()
