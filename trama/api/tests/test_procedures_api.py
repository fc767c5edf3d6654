import base64
import datetime
import hashlib

import pytest
from django.utils import timezone

from trama.procedures import services
from trama.procedures.models import CallAttachment, Procedure, Proposal
from trama.programs.models import Program

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


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def refused(response, status, code):
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), (
        response.content
    )
    return response.json()["error"]


def test_a_draft_call_is_rewritten_whole_by_an_officer(
    personas, coprogramming_examples, client, token_for
):
    draft = coprogramming_examples["c_draft"]
    url = f"/api/v1/calls/{draft}/update"
    eve = token_for(personas.eve, "write")
    body = {
        "title": "Avviso rivisto",
        "description": "Servizi per l'abitare",
        "duration_months": 24,
        "deadline": "2030-06-30T12:00",
        "criteria": [
            {"title": "Qualità", "max_points": "60"},
            {"title": "Risorse", "max_points": 40},
        ],
        "budget": [{"year": 2017, "amount": "50000.00"}, {"year": 2018, "amount": 25000}],
    }

    assert post(client, url, token_for(personas.tom, "write"), body).status_code == 404
    refused(post(client, url, token_for(personas.eve), body), 403, "token_read_only")
    twice = {**body, "budget": [{"year": 2017, "amount": "1.00"}, {"year": 2017, "amount": 2}]}
    assert "budget" in refused(post(client, url, eve, twice), 400, "duplicate_year")["fields"]
    outside = {**body, "budget": [{"year": 2030, "amount": "1.00"}]}
    refused(post(client, url, eve, outside), 400, "year_outside_program")
    assert Procedure.objects.get(pk=draft).title == "Bozza da rivedere"  # nothing changed

    revised = post(client, url, eve, body)

    assert revised.status_code == 200, revised.content
    call = revised.json()
    assert (call["title"], call["duration_months"], call["state"]) == (
        "Avviso rivisto",
        24,
        "DRAFT",
    )
    assert [c["title"] for c in call["criteria"]] == ["Qualità", "Risorse"]
    assert [(b["year"], b["amount"]) for b in call["budget"]] == [
        (2017, "50000.00"),
        (2018, "25000.00"),
    ]
    assert call["deadline"] == "2030-06-30T12:00:00+02:00"  # Europe/Rome
    read = client.get(f"/api/v1/calls/{draft}", headers=token_for(personas.eve)).json()
    assert read["budget"] == call["budget"] and len(read["criteria"]) == 2
    assert list(Procedure.objects.get(pk=draft).budget.values_list("year", flat=True)) == [
        2017,
        2018,
    ]


def test_a_published_call_is_not_rewritten_but_cancelled_by_its_rup(
    personas, coprogramming_examples, client, token_for
):
    pk = coprogramming_examples["c_to_cancel"]
    services.publish_call(Procedure.objects.get(pk=pk), by=personas.alice)
    alice, eve = token_for(personas.alice, "write"), token_for(personas.eve, "write")
    rewrite = {"title": "Tardi", "description": "x", "deadline": "2030-06-30T12:00", "criteria": []}
    refused(post(client, f"/api/v1/calls/{pk}/update", eve, rewrite), 400, "wrong_state")
    url = f"/api/v1/calls/{pk}/cancel"
    body = {"reason": "Avviso sostituito", "protocol_number": "PG 7/2026"}

    refused(post(client, url, eve, body), 403, "forbidden")  # an officer, not the RUP
    refused(post(client, url, token_for(personas.tom, "write"), body), 403, "forbidden")
    blank = refused(post(client, url, alice, {"reason": "  "}), 400, "required")
    assert "reason" in blank["fields"]
    cancelled = post(client, url, alice, body)

    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["state"] == "CANCELLED"
    assert client.get(f"/api/v1/calls/{pk}").json()["state"] == "CANCELLED"
    notice = Procedure.objects.get(pk=pk).notices.get(kind="CANCELLATION")
    assert (notice.text, notice.protocol_number) == ("Avviso sostituito", "PG 7/2026")
    refused(post(client, url, alice, body), 400, "wrong_state")


def test_an_officer_attaches_a_document_anyone_downloads(
    personas, coprogramming_examples, client, token_for
):
    pk = coprogramming_examples["c_open"]
    url = f"/api/v1/calls/{pk}/documents"
    eve = token_for(personas.eve, "write")
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    body = {"file_name": "modulo.pdf", "file_base64": base64.b64encode(pdf).decode()}

    refused(post(client, url, token_for(personas.tom, "write"), body), 403, "forbidden")
    refused(post(client, url, eve, {**body, "file_base64": "non è base64"}), 400, "invalid_base64")
    refused(post(client, url, eve, {**body, "file_name": "modulo.docx"}), 400, "file_type")
    not_pdf = base64.b64encode(b"just text").decode()
    refused(post(client, url, eve, {**body, "file_base64": not_pdf}), 400, "file_content_mismatch")
    assert not CallAttachment.objects.exists()
    attached = post(client, url, eve, body)

    assert attached.status_code == 201, attached.content
    document = attached.json()
    assert (document["title"], document["name"], document["size"]) == (
        "modulo.pdf",
        "modulo.pdf",
        len(pdf),
    )
    assert document["sha256"] == hashlib.sha256(pdf).hexdigest()
    download = client.get(document["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf


def test_a_procedure_from_before_trama_is_recorded_in_its_program(
    personas, program, client, token_for
):
    url = f"/api/v1/programs/{program.slug}/procedures"
    body = {
        "title": "Avviso 2012",
        "kind": "CO_PROGRAMMING",
        "reference": "DD 5/2012",
        "opened_on": "2012-03-01",
        "closed_on": "2012-06-30",
    }
    eve = token_for(personas.eve, "write")

    refused(post(client, url, token_for(personas.tom, "write"), body), 403, "forbidden")
    backwards = {**body, "closed_on": "2012-01-31"}
    assert (
        "closed_on"
        in refused(post(client, url, eve, backwards), 400, "closes_before_opening")["fields"]
    )
    refused(post(client, url, eve, {**body, "title": ""}), 400, "required")
    recorded = post(client, url, eve, body)

    assert recorded.status_code == 201, recorded.content
    procedure = recorded.json()
    assert (procedure["origin"], procedure["state"], procedure["kind"]) == (
        "HISTORICAL",
        "COMPLETED",
        "CO_PROGRAMMING",
    )
    listed = client.get(f"/api/v1/programs/{program.slug}").json()["procedures"]
    assert [(p["title"], p["opened_on"]) for p in listed] == [("Avviso 2012", "2012-03-01")]


def test_a_member_of_a_verified_public_body_opens_a_program(personas, client, token_for):
    body = {
        "owner": "comune-di-lecco",
        "title": "Giovani Lecco",
        "area": "EDUCATION",
        "start_year": 2026,
        "end_year": 2028,
    }
    alice = token_for(personas.alice, "write")

    refused(
        post(client, "/api/v1/programs", token_for(personas.tom, "write"), body), 403, "forbidden"
    )
    for_ets = {**body, "owner": "consorzio-lario"}  # Tom's, but not a public body
    refused(
        post(client, "/api/v1/programs", token_for(personas.tom, "write"), for_ets),
        403,
        "forbidden",
    )
    unknown = {**body, "owner": "comune-di-nessuno"}
    refused(post(client, "/api/v1/programs", alice, unknown), 400, "unknown_organization")
    inverted = {**body, "end_year": 2025}
    assert (
        "end_year"
        in refused(post(client, "/api/v1/programs", alice, inverted), 400, "years_inverted")[
            "fields"
        ]
    )
    assert not Program.objects.exists()
    opened = post(client, "/api/v1/programs", alice, body)

    assert opened.status_code == 201, opened.content
    program = opened.json()
    assert (program["owner"]["slug"], program["area"], program["procedures"]) == (
        "comune-di-lecco",
        "EDUCATION",
        [],
    )
    assert client.get(f"/api/v1/programs/{program['slug']}").json()["title"] == "Giovani Lecco"
