"""A co-programming through the API: interest, admission, thematic tables and their minutes,
contributions, the final document and the co-design it starts; each refusal with its code."""

import pytest

from trama.procedures.models import Contribution, Meeting, Participation, Procedure

pytestmark = pytest.mark.django_db


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def refused(response, status, code):
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), (
        response.content
    )
    return response.json()["error"]


def test_a_body_expresses_interest_while_the_call_is_open(
    personas, coprogramming_examples, client, token_for
):
    url = f"/api/v1/calls/{coprogramming_examples['c_open']}/interest"
    tom = token_for(personas.tom, "write")

    by_member = post(
        client, url, token_for(personas.pat, "write"), {"organization": "cooperativa-arcobaleno"}
    )
    refused(by_member, 403, "forbidden")  # a member of the coop, not its administrator
    unknown = post(client, url, tom, {"organization": "nessuno"})
    assert "organization" in refused(unknown, 400, "unknown_organization")["fields"]
    by_town = post(
        client, url, token_for(personas.alice, "write"), {"organization": "comune-di-lecco"}
    )
    refused(by_town, 400, "third_sector_only")
    refused(
        post(client, url, token_for(personas.tom), {"organization": "consorzio-lario"}),
        403,
        "token_read_only",
    )
    expressed = post(client, url, tom, {"organization": "consorzio-lario", "motivation": "Rete"})

    assert expressed.status_code == 201, expressed.content
    assert {k: expressed.json()[k] for k in ("organization", "state", "motivation")} == {
        "organization": "consorzio-lario",
        "state": "EXPRESSED",
        "motivation": "Rete",
    }
    again = post(client, url, tom, {"organization": "consorzio-lario"})
    refused(again, 400, "already_interested")
    assert Participation.objects.filter(procedure_id=coprogramming_examples["c_open"]).count() == 1
    early = post(
        client,
        f"/api/v1/calls/{coprogramming_examples['c_open']}/participants",
        token_for(personas.alice, "write"),
        {"decisions": [{"organization": "consorzio-lario", "admit": True}]},
    )
    refused(early, 400, "deadline_not_passed")


def test_the_rup_admits_every_body_once_after_the_deadline(
    personas, coprogramming_examples, client, token_for
):
    call = coprogramming_examples["c_to_admit"]
    url = f"/api/v1/calls/{call}/participants"
    alice = token_for(personas.alice, "write")
    admit = {"decisions": [{"organization": "consorzio-lario", "admit": True}]}

    refused(post(client, url, token_for(personas.eve, "write"), admit), 403, "forbidden")
    refused(post(client, url, alice, {"decisions": []}), 400, "undecided")
    stranger = {"decisions": [{"organization": "cooperativa-arcobaleno", "admit": True}]}
    refused(post(client, url, alice, stranger), 400, "not_interested")
    without_reason = {"decisions": [{"organization": "consorzio-lario", "admit": False}]}
    refused(post(client, url, alice, without_reason), 400, "reason_required")
    assert Procedure.objects.get(pk=call).state == "OPEN"
    admitted = post(client, url, alice, {**admit, "protocol_number": "PG 10/2026"})

    assert admitted.status_code == 200, admitted.content
    body = admitted.json()
    assert body["state"] == "PARTICIPANTS_ADMITTED"
    assert [(p["organization"], p["state"]) for p in body["participations"]] == [
        ("consorzio-lario", "ADMITTED")
    ]
    notice = Procedure.objects.get(pk=call).notices.get(kind="PARTICIPANTS")
    assert "Consorzio Lario" in notice.text and notice.protocol_number == "PG 10/2026"
    refused(post(client, url, alice, admit), 400, "wrong_state")


def test_the_tables_meet_and_the_admitted_bodies_contribute(
    personas, coprogramming_examples, client, token_for
):
    call, held = coprogramming_examples["c_working"], coprogramming_examples["c_table"]
    alice, tom = token_for(personas.alice, "write"), token_for(personas.tom, "write")
    table = {"title": "Tavolo lavoro", "held_at": "2030-03-02T17:00", "agenda": "Bisogni"}

    refused(
        post(client, f"/api/v1/calls/{call}/meetings", token_for(personas.eve, "write"), table),
        403,
        "forbidden",
    )
    not_yet = f"/api/v1/calls/{coprogramming_examples['c_open']}/meetings"
    refused(post(client, not_yet, alice, table), 400, "wrong_state")
    scheduled = post(client, f"/api/v1/calls/{call}/meetings", alice, table)
    assert scheduled.status_code == 201, scheduled.content
    assert scheduled.json()["held_at"] == "2030-03-02T17:00:00+01:00"
    assert Meeting.objects.filter(procedure_id=call).count() == 2

    minutes = f"/api/v1/calls/{call}/meetings/{held}/minutes"
    absent = {"minutes": "Verbale", "attendees": ["cooperativa-arcobaleno"]}
    assert (
        "attendees"
        in refused(post(client, minutes, alice, absent), 400, "not_a_participant")["fields"]
    )
    elsewhere = f"/api/v1/calls/{coprogramming_examples['c_to_conclude']}/meetings/{held}/minutes"
    refused(post(client, elsewhere, alice, {"minutes": "Verbale"}), 404, "not_found")
    refused(post(client, minutes, alice, {"minutes": " "}), 400, "required")
    recorded = post(
        client, minutes, alice, {"minutes": "Tre bisogni.", "attendees": ["consorzio-lario"]}
    )
    assert recorded.status_code == 200, recorded.content
    assert (recorded.json()["minutes"], recorded.json()["attendees"]) == (
        "Tre bisogni.",
        ["consorzio-lario"],
    )
    assert Meeting.objects.get(pk=held).minutes == "Tre bisogni."

    contributions = f"/api/v1/calls/{call}/contributions"
    resource = {"organization": "consorzio-lario", "kind": "RESOURCE", "text": "Spazi"}
    by_coop = post(
        client,
        contributions,
        token_for(personas.pat, "write"),
        {**resource, "organization": "cooperativa-arcobaleno"},
    )
    refused(by_coop, 403, "forbidden")  # a member of a body not admitted
    refused(
        post(client, contributions, tom, {**resource, "kind": "WISH"}), 422, "malformed_request"
    )
    added = post(client, contributions, tom, resource)
    assert added.status_code == 201, added.content
    assert (added.json()["organization"], added.json()["kind"]) == ("consorzio-lario", "RESOURCE")
    assert Contribution.objects.get(procedure_id=call).text == "Spazi"
    closed = f"/api/v1/calls/{coprogramming_examples['c_concluded']}/contributions"
    refused(post(client, closed, tom, resource), 400, "wrong_state")


def test_the_rup_concludes_and_starts_a_codesign_from_the_final_document(
    personas, coprogramming_examples, client, token_for
):
    call = coprogramming_examples["c_to_conclude"]
    alice = token_for(personas.alice, "write")
    document = {"final_document": "Piano: tre azioni per i giovani."}
    codesign = f"/api/v1/calls/{call}/codesign"

    refused(post(client, codesign, alice, {"title": "Troppo presto"}), 400, "wrong_state")
    conclude = f"/api/v1/calls/{call}/conclude"
    refused(post(client, conclude, token_for(personas.eve, "write"), document), 403, "forbidden")
    refused(post(client, conclude, alice, {"final_document": ""}), 400, "required")
    concluded = post(client, conclude, alice, document)
    assert concluded.status_code == 200, concluded.content
    assert (concluded.json()["state"], concluded.json()["final_document"]) == (
        "CONCLUDED",
        "Piano: tre azioni per i giovani.",
    )
    refused(post(client, conclude, alice, document), 400, "wrong_state")

    refused(
        post(client, codesign, token_for(personas.oscar, "write"), {"title": "X"}), 403, "forbidden"
    )
    started = post(client, codesign, alice, {"title": "Co-progettazione giovani"})

    assert started.status_code == 201, started.content
    draft = started.json()
    assert (draft["kind"], draft["state"], draft["parent"]) == ("CO_DESIGN", "DRAFT", call)
    assert draft["description"] == "Piano: tre azioni per i giovani."
    assert Procedure.objects.get(pk=draft["id"]).rup == personas.alice
    assert client.get(f"/api/v1/calls/{draft['id']}").status_code == 404  # a draft, not public
