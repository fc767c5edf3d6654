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
