"""The evaluation desk through the API: the same acts, access and refusals as its pages."""

import datetime
from decimal import Decimal

from django.utils import timezone

from trama.ledger.models import LedgerEntry
from trama.procedures import services
from trama.procedures.models import (
    CommissionMember,
    Declaration,
    DocumentRequest,
    Notice,
    Procedure,
    Proposal,
    Receipt,
    Score,
)


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def error(response):
    return response.status_code, response.json()["error"]["code"]


def test_the_rup_appoints_the_commission_and_opens_the_evaluation(
    personas, evaluation_examples, client, token_for
):
    alice, eve = token_for(personas.alice, "write"), token_for(personas.eve, "write")
    call = evaluation_examples["e_closed"]
    url = f"/api/v1/calls/{call}/commission"

    appointed = post(client, url, alice, {"email": "OSCAR@trama.test", "chair": True})

    assert appointed.status_code == 201, appointed.content
    assert appointed.json() == {
        "call": call,
        "name": "Oscar Costa",
        "email": "oscar@trama.test",
        "is_chair": True,
        "appointed_at": appointed.json()["appointed_at"],
    }
    assert CommissionMember.objects.get(procedure_id=call, user=personas.oscar).is_chair
    assert error(post(client, url, alice, {"email": "oscar@trama.test"})) == (
        409,
        "already_appointed",
    )
    unknown = post(client, url, alice, {"email": "nessuno@trama.test"})
    assert error(unknown) == (400, "unknown_user") and "email" in unknown.json()["error"]["fields"]
    # Only the RUP: another officer is refused, an outsider too; a read token can't act.
    body = {"email": "fiona@trama.test"}
    assert error(post(client, url, eve, body)) == (403, "forbidden")
    assert error(post(client, url, token_for(personas.tom, "write"), body)) == (403, "forbidden")
    assert error(post(client, url, token_for(personas.alice), body)) == (403, "token_read_only")
    assert not CommissionMember.objects.filter(user=personas.fiona).exists()
    assert post(client, "/api/v1/calls/999999/commission", alice, body).status_code == 404

    start = f"/api/v1/calls/{call}/evaluation"
    assert error(post(client, start, eve)) == (403, "forbidden")
    started = post(client, start, alice)
    assert started.status_code == 200 and started.json()["state"] == "EVALUATION"
    assert Procedure.objects.get(pk=call).state == Procedure.State.EVALUATION
    assert post(client, start, alice).status_code == 400  # not from EVALUATION again


def test_the_rup_and_the_commission_declare_once_on_the_bodies_received(
    personas, evaluation_examples, client, token_for
):
    url = f"/api/v1/calls/{evaluation_examples['e_closed']}/declaration"
    eve = token_for(personas.eve, "write")

    declared = post(client, url, eve, {"has_conflict": False, "note": "Nessun legame"})

    assert declared.status_code == 201, declared.content
    body = declared.json()
    assert body["bodies"] == ["Consorzio Lario (05260180137)"]
    assert (body["has_conflict"], body["note"]) == (False, "Nessun legame")
    assert Declaration.objects.get(procedure_id=body["call"], user=personas.eve).bodies == [
        "Consorzio Lario (05260180137)"
    ]
    assert error(post(client, url, eve, {"has_conflict": True})) == (409, "already_declared")
    assert not Declaration.objects.get(user=personas.eve, procedure_id=body["call"]).has_conflict
    # The desk is for the public body and the commission; the declaration for the RUP and
    # the commission only (Fiona joins the Comune as an officer: still not hers to make).
    tom = token_for(personas.tom, "write")
    assert error(post(client, url, tom, {"has_conflict": False})) == (403, "forbidden")
    personas.comune.memberships.create(user=personas.fiona, role="MEMBER")
    fiona = token_for(personas.fiona, "write")
    assert error(post(client, url, fiona, {"has_conflict": False})) == (403, "forbidden")


def test_nothing_is_declared_or_decided_or_registered_before_the_deadline(
    personas, ledger_examples, client, token_for, time_machine
):
    """Before the deadline the desk shows nothing: a submitted proposal and its receipt are
    not found by the RUP or the commission, and no declaration is made."""
    alice, eve = token_for(personas.alice, "write"), token_for(personas.eve, "write")
    call = ledger_examples["call"]
    proposal = ledger_examples["to_withdraw"]  # submitted, the call still open
    number = Receipt.objects.get(proposal_id=proposal).number

    declaration = post(client, f"/api/v1/calls/{call}/declaration", alice, {"has_conflict": False})
    assert error(declaration) == (400, "not_closed")
    assert not Declaration.objects.filter(procedure_id=call).exists()
    admission = f"/api/v1/proposals/{proposal}/admission"
    assert error(post(client, admission, alice, {"admit": True, "reason": "Ok"})) == (
        404,
        "not_found",
    )
    scores = f"/api/v1/proposals/{proposal}/scores"
    assert error(
        post(client, scores, eve, {"scores": [{"criterion": 1, "points": 1, "rationale": "x"}]})
    ) == (
        404,
        "not_found",
    )
    requests = f"/api/v1/proposals/{proposal}/document-requests"
    deadline = (timezone.now() + datetime.timedelta(days=60)).isoformat()
    assert (
        post(client, requests, alice, {"text": "Statuto", "deadline": deadline}).status_code == 404
    )
    protocol = f"/api/v1/calls/{call}/receipts/{number}/protocol"
    assert error(post(client, protocol, alice, {"protocol_number": "PG 1/2026"})) == (
        404,
        "not_found",
    )
    assert Receipt.objects.get(number=number).protocol_number == ""

    # After the deadline the same receipt is found and registered.
    time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
    registered = post(client, protocol, alice, {"protocol_number": "PG 1/2026"})
    assert registered.status_code == 200, registered.content
    assert registered.json()["protocol_number"] == "PG 1/2026"
    assert Procedure.objects.get(pk=call).state == Procedure.State.CLOSED
    # No evaluation without a commission.
    opened = post(client, f"/api/v1/calls/{call}/evaluation", alice)
    assert error(opened) == (400, "no_commission")
    assert Procedure.objects.get(pk=call).state == Procedure.State.CLOSED


def test_the_rup_decides_admission_and_asks_for_missing_documents(
    personas, evaluation_examples, client, token_for
):
    alice, eve = token_for(personas.alice, "write"), token_for(personas.eve, "write")
    to_admit = evaluation_examples["e_to_admit"]
    url = f"/api/v1/proposals/{to_admit}/admission"
    decision = {"admit": False, "reason": "Manca l'iscrizione al RUNTS"}

    # The lead's administrator is no one at the desk; an outsider doesn't know it exists;
    # an evaluator who is not the RUP doesn't check admission in this call.
    assert error(post(client, url, token_for(personas.tom, "write"), decision)) == (
        403,
        "forbidden",
    )
    assert error(post(client, url, token_for(personas.oscar, "write"), decision)) == (
        404,
        "not_found",
    )
    assert error(post(client, url, eve, decision)) == (403, "forbidden")
    blank = post(client, url, alice, {"admit": True, "reason": "  "})
    assert error(blank) == (400, "required") and "reason" in blank.json()["error"]["fields"]
    assert Proposal.objects.get(pk=to_admit).state == Proposal.State.SUBMITTED

    excluded = post(client, url, alice, decision)

    assert excluded.status_code == 200, excluded.content
    assert excluded.json()["state"] == "EXCLUDED"
    assert excluded.json()["decision_reason"] == "Manca l'iscrizione al RUNTS"
    assert excluded.json()["lead"] == "consorzio-lario" and "title" not in excluded.json()
    proposal = Proposal.objects.get(pk=to_admit)
    assert (proposal.state, proposal.decision_reason) == ("EXCLUDED", decision["reason"])
    # Once decided, documents are no longer requested.
    requests = f"/api/v1/proposals/{to_admit}/document-requests"
    later = (timezone.now() + datetime.timedelta(days=7)).isoformat()
    assert error(post(client, requests, alice, {"text": "Statuto", "deadline": later})) == (
        400,
        "admission_decided",
    )
    # A scored proposal's admission can no longer change.
    scored = f"/api/v1/proposals/{evaluation_examples['e_to_score']}/admission"
    services.score_proposal(
        Proposal.objects.get(pk=evaluation_examples["e_to_score"]),
        by=personas.eve,
        criterion=Procedure.objects.get(pk=evaluation_examples["e_evaluating"]).criteria.get(),
        points="10",
        rationale="Debole",
    )
    assert error(post(client, scored, alice, decision)) == (400, "scoring_started")

    to_complete = evaluation_examples["e_to_complete"]
    requests = f"/api/v1/proposals/{to_complete}/document-requests"
    past = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    refused = post(client, requests, alice, {"text": "Statuto", "deadline": past})
    assert error(refused) == (400, "not_future")
    assert "deadline" in refused.json()["error"]["fields"]
    assert error(post(client, requests, eve, {"text": "Statuto", "deadline": later})) == (
        403,
        "forbidden",
    )

    sent = post(client, requests, alice, {"text": "Manca lo statuto", "deadline": later})

    assert sent.status_code == 201, sent.content
    request = DocumentRequest.objects.get(proposal_id=to_complete)
    assert sent.json()["id"] == request.pk and request.text == "Manca lo statuto"
    assert request.requested_by == personas.alice


def test_an_evaluator_scores_every_criterion_or_none(
    personas, evaluation_examples, client, token_for
):
    eve = token_for(personas.eve, "write")
    proposal, criterion = evaluation_examples["e_to_score"], evaluation_examples["e_criterion"]
    url = f"/api/v1/proposals/{proposal}/scores"

    def scores(*rows):
        return {"scores": [{"criterion": c, "points": p, "rationale": r} for c, p, r in rows]}

    too_many = post(client, url, eve, scores((criterion, "120", "Ottimo")))
    assert error(too_many) == (400, "too_large")
    assert "scores.0.points" in too_many.json()["error"]["fields"]
    assert error(post(client, url, eve, scores((criterion, "10.005", "Ok")))) == (
        400,
        "too_many_decimals",
    )
    unknown = post(client, url, eve, scores((criterion, "50", "Ok"), (999999, "5", "Ok")))
    assert error(unknown) == (400, "unknown_criterion")
    assert "scores.1.criterion" in unknown.json()["error"]["fields"]
    twice = scores((criterion, "50", "Ok"), (criterion, "60", "Ok"))
    assert error(post(client, url, eve, twice)) == (400, "duplicate_criterion")
    no_reason = post(client, url, eve, scores((criterion, "50", " ")))
    assert error(no_reason) == (400, "required")
    assert "scores.0.rationale" in no_reason.json()["error"]["fields"]
    assert not Score.objects.filter(proposal_id=proposal).exists()

    given = post(client, url, eve, scores((criterion, 72.5, "Solido")))

    assert given.status_code == 200, given.content
    [score] = given.json()
    assert (score["criterion"], Decimal(score["points"]), score["rationale"]) == (
        criterion,
        Decimal("72.5"),
        "Solido",
    )
    again = post(client, url, eve, scores((criterion, "80", "Rivisto")))
    assert [Decimal(s["points"]) for s in again.json()] == [Decimal("80")]
    assert Score.objects.get(proposal_id=proposal, evaluator=personas.eve).points == 80
    # Only the commission scores; only admitted proposals are scored.
    refused = post(client, url, token_for(personas.alice, "write"), scores((criterion, "1", "x")))
    assert error(refused) == (403, "forbidden")
    waiting = f"/api/v1/proposals/{evaluation_examples['e_to_complete']}/scores"
    assert error(post(client, waiting, eve, scores((criterion, "1", "x")))) == (
        400,
        "not_admitted",
    )


def test_an_evaluator_reads_and_scores_only_after_declaring_no_conflict(
    personas, evaluation_examples, client, token_for
):
    call = Procedure.objects.get(pk=evaluation_examples["e_evaluating"])
    services.appoint_evaluator(call, by=personas.alice, user=personas.oscar)
    oscar = token_for(personas.oscar, "write")
    url = f"/api/v1/proposals/{evaluation_examples['e_to_score']}/scores"
    body = {
        "scores": [
            {"criterion": evaluation_examples["e_criterion"], "points": "5", "rationale": "x"}
        ]
    }

    assert error(post(client, url, oscar, body)) == (403, "forbidden")  # not declared yet
    declared = post(client, f"/api/v1/calls/{call.pk}/declaration", oscar, {"has_conflict": True})
    assert declared.status_code == 201
    assert error(post(client, url, oscar, body)) == (403, "forbidden")  # a conflict
    assert not Score.objects.filter(evaluator=personas.oscar).exists()


def test_the_rup_approves_and_publishes_the_ranking(
    personas, evaluation_examples, client, token_for
):
    alice = token_for(personas.alice, "write")
    call = evaluation_examples["e_to_rank"]
    url = f"/api/v1/calls/{call}/ranking"
    # Not while a proposal awaits admission, nor while an evaluator hasn't scored.
    waiting = f"/api/v1/calls/{evaluation_examples['e_evaluating']}/ranking"
    assert error(post(client, waiting, alice)) == (400, "admission_pending")
    procedure = Procedure.objects.get(pk=call)
    services.appoint_evaluator(procedure, by=personas.alice, user=personas.oscar)
    assert error(post(client, url, alice)) == (400, "scores_missing")
    # One who declares a conflict takes no part: the ranking no longer waits for them.
    services.declare_interests(procedure, by=personas.oscar, has_conflict=True)
    assert error(post(client, url, token_for(personas.eve, "write"))) == (403, "forbidden")
    assert Procedure.objects.get(pk=call).state == Procedure.State.EVALUATION

    ranked = post(client, url, alice, {"protocol_number": "PG 77/2026"})

    assert ranked.status_code == 200, ranked.content
    body = ranked.json()
    assert body["state"] == "RANKED"
    assert [(r["rank"], r["lead"], Decimal(r["score"]), r["outcome"]) for r in body["ranking"]] == [
        (1, "consorzio-lario", Decimal("80"), "SELECTED")
    ]
    assert client.get(url).json() == body  # what anyone reads from now on
    assert Notice.objects.get(procedure_id=call, kind="OUTCOME").protocol_number == "PG 77/2026"
    assert LedgerEntry.objects.filter(procedure_id=call, kind="PLEDGE").count() == 1
    assert error(post(client, url, alice)) == (409, "already_ranked")


def test_an_officer_registers_a_receipt_in_the_protocol_once(
    personas, evaluation_examples, client, token_for
):
    call, number = evaluation_examples["e_closed"], evaluation_examples["e_receipt"]
    url = f"/api/v1/calls/{call}/receipts/{number}/protocol"
    eve = token_for(personas.eve, "write")  # an officer, not the RUP

    assert error(post(client, url, token_for(personas.tom, "write"), {"protocol_number": "X"})) == (
        403,
        "forbidden",
    )
    blank = post(client, url, eve, {"protocol_number": " "})
    assert error(blank) == (400, "required")

    registered = post(client, url, eve, {"protocol_number": "PG 1234/2026"})

    assert registered.status_code == 200, registered.content
    assert registered.json()["number"] == number
    assert Receipt.objects.get(number=number).protocol_number == "PG 1234/2026"
    again = post(client, url, token_for(personas.alice, "write"), {"protocol_number": "PG 9"})
    assert error(again) == (409, "already_registered")
    assert Receipt.objects.get(number=number).protocol_number == "PG 1234/2026"
    # A receipt of another call is not found through this one; a malformed number is refused.
    other = Receipt.objects.get(proposal_id=evaluation_examples["e_to_admit"]).number
    elsewhere = f"/api/v1/calls/{call}/receipts/{other}/protocol"
    assert error(post(client, elsewhere, eve, {"protocol_number": "PG 2"})) == (404, "not_found")
    malformed = f"/api/v1/calls/{call}/receipts/abc/protocol"
    assert error(post(client, malformed, eve, {"protocol_number": "PG 2"})) == (
        422,
        "malformed_request",
    )
