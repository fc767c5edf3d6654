import datetime
import hashlib

import pytest
from django.utils import timezone

from trama.procedures.models import Procedure, Proposal

pytestmark = pytest.mark.django_db


def test_the_open_calls_list_is_paginated_with_bounded_queries(
    personas, ledger_examples, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/calls?limit=1")
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1 and body["items"][0]["title"] == "Avviso"
    assert body["items"][0]["owner"] == "comune-di-lecco"


def test_a_draft_call_is_not_found_for_outsiders(personas, ledger_examples, client, token_for):
    url = f"/api/v1/calls/{ledger_examples['draft_call']}"
    assert client.get(url).json()["error"]["code"] == "not_found"
    assert client.get(url, headers=token_for(personas.tom)).status_code == 404
    assert client.get(url, headers=token_for(personas.eve)).json()["state"] == "DRAFT"


def test_a_submission_after_the_deadline_is_refused_with_a_stable_code(
    personas, ledger_examples, client, token_for, time_machine
):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
    response = client.post(
        f"/api/v1/proposals/{ledger_examples['to_submit']}/submit",
        headers=token_for(personas.tom, "write"),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "deadline_passed"
    assert Proposal.objects.get(pk=ledger_examples["to_submit"]).state == "DRAFT"


def test_a_bad_call_is_refused_and_nothing_is_saved(personas, ledger_examples, client, token_for):
    response = client.post(
        "/api/v1/programs/welfare-comunitario/calls",
        data={
            "title": "Senza criteri validi",
            "description": "Oggetto",
            "deadline": "2030-06-30T12:00:00+02:00",
            "criteria": [{"title": "", "max_points": "10"}],
        },
        content_type="application/json",
        headers=token_for(personas.alice, "write"),
    )
    assert response.status_code == 400

    assert not Procedure.objects.filter(title="Senza criteri validi").exists()
    response = client.post(
        "/api/v1/programs/welfare-comunitario/calls",
        data={"title": "X", "description": "Y", "deadline": "2030-06-30T12:00", "criteria": []},
        content_type="application/json",
        headers=token_for(personas.tom, "write"),
    )
    assert response.status_code == 403  # not the program's public body


def test_a_second_submission_returns_the_same_receipt(personas, ledger_examples, client, token_for):
    url = f"/api/v1/proposals/{ledger_examples['to_submit']}/submit"
    headers = token_for(personas.tom, "write")
    first = client.post(url, headers=headers).json()
    again = client.post(url, headers=headers).json()
    assert first == again

    assert hashlib.sha256(first["canonical_json"].encode()).hexdigest() == first["sha256"]


def test_a_question_is_asked_and_answered_through_the_api(
    personas, ledger_examples, client, token_for
):
    call = ledger_examples["call"]
    asked = client.post(
        f"/api/v1/calls/{call}/clarifications",
        data={"question": "Serve l'iscrizione al RUNTS?"},
        content_type="application/json",
        headers=token_for(personas.tom, "write"),
    )
    assert asked.status_code == 201, asked.content
    question = asked.json()
    assert question["answer"] == "" and "asked_by" not in question

    url = f"/api/v1/calls/{call}/clarifications/{question['id']}/answer"
    answered = client.post(
        url,
        data={"answer": "Sì."},
        content_type="application/json",
        headers=token_for(personas.eve, "write"),
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "Sì."
    again = client.post(
        url,
        data={"answer": "No."},
        content_type="application/json",
        headers=token_for(personas.alice, "write"),
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_answered"


def test_only_the_owning_body_answers_and_questions_close_at_their_deadline(
    personas, ledger_examples, client, token_for, time_machine
):
    call, question = ledger_examples["call"], ledger_examples["clarification"]
    refused = client.post(
        f"/api/v1/calls/{call}/clarifications/{question}/answer",
        data={"answer": "Risposta di un estraneo"},
        content_type="application/json",
        headers=token_for(personas.tom, "write"),
    )
    assert refused.status_code == 403
    time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
    late = client.post(
        f"/api/v1/calls/{call}/clarifications",
        data={"question": "Troppo tardi?"},
        content_type="application/json",
        headers=token_for(personas.tom, "write"),
    )
    assert late.status_code == 400
    assert late.json()["error"]["code"] == "questions_closed"


def test_the_rup_extends_the_deadline_and_no_one_else_does(
    personas, ledger_examples, client, token_for
):
    call = Procedure.objects.get(pk=ledger_examples["call"])
    later = (call.deadline + datetime.timedelta(days=7)).isoformat()
    body = {"deadline": later, "reason": "Richieste dei partecipanti"}
    url = f"/api/v1/calls/{call.pk}/extend"

    by_officer = client.post(
        url, data=body, content_type="application/json", headers=token_for(personas.eve, "write")
    )
    assert by_officer.status_code == 403
    by_rup = client.post(
        url, data=body, content_type="application/json", headers=token_for(personas.alice, "write")
    )
    assert by_rup.status_code == 200, by_rup.content
    assert datetime.datetime.fromisoformat(by_rup.json()["deadline"]) > call.deadline
    earlier = client.post(
        url,
        data={**body, "deadline": call.deadline.isoformat()},
        content_type="application/json",
        headers=token_for(personas.alice, "write"),
    )
    assert earlier.status_code == 400
    assert earlier.json()["error"]["code"] == "not_later"
