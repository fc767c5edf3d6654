import base64
import hashlib

from trama.procedures.models import Adoption, MinutesReview, ProjectVersion
from trama.procedures.tests.table_support import PDF


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def test_the_table_through_the_api_with_stable_codes(personas, table_examples, client, token_for):
    alice, tom = token_for(personas.alice, "write"), token_for(personas.tom, "write")
    oscar, eve = token_for(personas.oscar, "write"), token_for(personas.eve, "write")
    ranked = f"/api/v1/calls/{table_examples['ranked_call']}/table"
    assert post(client, ranked, eve).status_code == 403  # an officer, not the RUP
    opened = post(client, ranked, alice)
    assert opened.status_code == 201
    assert opened.json()["project"]["text"].startswith("## Qualità del progetto")
    ranking = client.get(f"/api/v1/calls/{table_examples['ranked_call']}/ranking").json()
    assert ranking["state"] == "TABLE" and ranking["ranking"][0]["lead"] == "consorzio-lario"
    again = post(client, ranked, alice)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_open")

    call = table_examples["table_call"]
    versions = f"/api/v1/calls/{call}/project/versions"
    body = {"base": 1, "text": "## Obiettivi\n\nAbitare.", "summary": "Obiettivi"}
    assert post(client, versions, oscar, body).status_code == 404  # not at the table
    saved = post(client, versions, tom, body)
    assert (saved.status_code, saved.json()["number"]) == (201, 2)
    stale = post(client, versions, eve, {**body, "text": "## Altro"})
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "stale_base")
    assert ProjectVersion.objects.filter(procedure_id=call).count() == 2

    reviews = f"/api/v1/table/meetings/{table_examples['to_review']}/reviews"
    for_coop = post(
        client, reviews, tom, {"organization": "cooperativa-arcobaleno", "approve": True}
    )
    assert (for_coop.status_code, for_coop.json()["error"]["code"]) == (403, "forbidden")
    assert not MinutesReview.objects.exists()
    no_comment = post(client, reviews, tom, {"organization": "consorzio-lario", "approve": False})
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["error"]["fields"]

    adoption = f"/api/v1/calls/{call}/project/adoption"
    act = {
        "version": 2,
        "act_number": "DD 12/2026",
        "act_date": "2026-01-15",
        "reasons": "Condiviso",
        "file_name": "atto.pdf",
        "file_base64": base64.b64encode(PDF).decode(),
    }
    assert post(client, adoption, tom, act).status_code == 403
    bad = post(client, adoption, alice, {**act, "file_name": "atto.docx"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_file")
    adopted = post(client, adoption, alice, act)
    assert adopted.status_code == 201
    assert adopted.json()["file_sha256"] == hashlib.sha256(PDF).hexdigest()
    twice = post(client, adoption, alice, act)
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_adopted")
    late = post(client, versions, tom, {**body, "base": 2, "text": "## Dopo"})
    assert (late.status_code, late.json()["error"]["code"]) == (400, "adopted")
    assert Adoption.objects.count() == 1
