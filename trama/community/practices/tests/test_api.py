import base64

from trama.community.practices.models import Document, Practice
from trama.ledger import services as ledger_services

from .conftest import PDF, sheet

PRACTICES = "/api/v1/community/practices"
LIBRARY = "/api/v1/community/library"


def test_a_member_outside_the_actors_is_refused_with_a_stable_code(members, client, token_for):
    response = client.post(
        PRACTICES,
        {"title": "Pratica", "year_from": 2010, "actors": [{"organization": members.comune.slug}]},
        content_type="application/json",
        headers=token_for(members.tom, "write"),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_an_actor"
    assert not Practice.objects.exists()


def test_an_actor_writes_a_sheet_and_its_figures_are_live(members, program, client, token_for):
    response = client.post(
        PRACTICES,
        {
            "title": "Welfare comunitario",
            "year_from": 2016,
            "actors": [{"organization": members.comune.slug}, {"name": "Fondazione Cariplo"}],
            "program": program.slug,
            "publish": True,
        },
        content_type="application/json",
        headers=token_for(members.alice, "write"),
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["figures"]["has_data"] is False

    ledger_services.record_entry(
        by=members.alice, program=program, kind="ACTUAL", category="ECONOMIC",
        source="PUBLIC_OWNER", contributor=members.comune, year=2017, amount="2500.00",
    )  # fmt: skip

    figures = client.get(f"{PRACTICES}/{pk}").json()["figures"]
    assert figures["has_data"] is True and figures["public"] == "2500.00"


def test_drafts_stay_out_of_the_public_api(
    members, client, token_for, django_assert_max_num_queries
):
    draft = sheet(members.alice, actors=[members.comune], title="Bozza")
    for n in range(22):
        sheet(members.alice, actors=[members.comune, f"Ente {n}"], title=f"P{n}", publish=True)

    with django_assert_max_num_queries(6):
        public = client.get(f"{PRACTICES}?limit=100").json()

    assert public["count"] == 22
    assert client.get(f"{PRACTICES}/{draft.pk}").status_code == 404
    mine = client.get(f"{PRACTICES}?limit=100", headers=token_for(members.alice)).json()
    assert mine["count"] == 23


def test_a_document_is_added_and_listed(members, client, token_for, django_assert_max_num_queries):
    response = client.post(
        LIBRARY,
        {
            "kind": "CALL_TEMPLATE",
            "title": "Modello",
            "description": "Un modello.",
            "file_name": "modello.pdf",
            "file_base64": base64.b64encode(PDF).decode(),
        },
        content_type="application/json",
        headers=token_for(members.alice, "write"),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "template_text_required"

    for n in range(21):
        client.post(
            LIBRARY,
            {
                "kind": "STUDY", "title": f"Studio {n}", "description": "Uno studio.",
                "tags": ["valutazione"], "file_name": "s.pdf",
                "file_base64": base64.b64encode(PDF + str(n).encode()).decode(),
            },
            content_type="application/json",
            headers=token_for(members.alice, "write"),
        )  # fmt: skip
    assert Document.objects.count() == 21

    with django_assert_max_num_queries(6):
        listed = client.get(f"{LIBRARY}?tag=valutazione&limit=100").json()
    assert listed["count"] == 21 and listed["items"][0]["licence"] == "CC-BY-4.0"
    detail = client.get(f"{LIBRARY}/{listed['items'][0]['id']}").json()
    assert detail["versions"][0]["number"] == 1
