"""The partnerships API: partnerships, an entity's members' shares, territories compared."""

import datetime

import pytest

from trama.ledger import services as ledger
from trama.organizations.models import ShareAct
from trama.organizations.shares import record_act
from trama.partnerships.models import Partnership
from trama.partnerships.services import record_contractual
from trama.procedures.services import record_historical_procedure
from trama.programs.services import create_program

API = "/api/v1"


@pytest.fixture
def story(personas, partnership_examples):
    return partnership_examples


@pytest.fixture
def post(client, token_for):
    def send(user, url, body=None, scope="write"):
        headers = token_for(user, scope) if user is not None else {}
        return client.post(
            f"{API}{url}", data=body or {}, content_type="application/json", headers=headers
        )

    return send


def error(response):
    return response.json()["error"]


# Reading partnerships


def test_it_lists_a_page_of_partnerships_in_a_bounded_number_of_queries(
    personas, story, client, django_assert_max_num_queries
):
    for n in range(6):
        program = create_program(
            by=personas.alice,
            owner=personas.comune,
            title=f"Programma {n}",
            start_year=2010,
            end_year=2012,
        )
        record_contractual(
            by=personas.alice, program=program, formed_on=datetime.date(2011, 1, n + 1)
        )

    with django_assert_max_num_queries(2):  # count, page
        response = client.get(f"{API}/partnerships", {"limit": 5})

    assert response.status_code == 200
    assert response.json()["count"] == 8
    assert len(response.json()["items"]) == 5
    institutional = client.get(f"{API}/partnerships", {"kind": "INSTITUTIONAL"}).json()["items"]
    assert [p["slug"] for p in institutional] == [story["p_institutional"]]
    assert institutional[0]["grew_from"] == story["p_contractual"]
    assert institutional[0]["entity"] == {
        "slug": story["p_entity"],
        "name": "Impresa sociale Girasole",
    }
    assert client.get(f"{API}/partnerships", {"kind": "OTHER"}).status_code == 422


def test_it_shows_a_contractual_partnership_with_its_network_and_since_when(
    personas, story, client
):
    program = Partnership.objects.get(slug=story["p_contractual"]).program
    record_historical_procedure(
        by=personas.alice,
        program=program,
        title="Primo avviso",
        kind="CO_DESIGN",
        opened_on=datetime.date(2006, 2, 1),
        participants=[personas.consortium, personas.comune],
    )

    body = client.get(f"{API}/partnerships/{story['p_contractual']}").json()

    assert body["kind"] == "CONTRACTUAL"
    assert body["program"] == story["p_first_program"]
    assert body["became"] == story["p_institutional"]
    assert body["shares"] is None
    # The public body is who the network works with, not a member of it.
    assert body["members"] == [
        {
            "organization": {
                "slug": "consorzio-lario",
                "name": "Consorzio Lario",
                "kind": "THIRD_SECTOR",
            },
            "since": "2006-02-01",
            "first_seen_in": "call",
        }
    ]
    assert [c["name"] for c in body["coordinators"]] == ["Anna Bianchi"]


def test_it_shows_an_institution_with_its_share_table_and_public_private_totals(story, client):
    body = client.get(f"{API}/partnerships/{story['p_institutional']}").json()

    assert body["kind"] == "INSTITUTIONAL"
    assert body["formed_on"] == "2016-01-15"  # its constitution
    assert body["members"] is None
    shares = body["shares"]
    assert shares["act"]["kind"] == "CONSTITUTION"
    assert [(h["member"]["slug"], h["share"], h["public"]) for h in shares["holdings"]] == [
        ("comune-di-lecco", "49.00", True),
        ("consorzio-lario", "30.00", False),
        ("cooperativa-arcobaleno", "21.00", False),
    ]
    assert (shares["public_share"], shares["private_share"]) == ("49.00", "51.00")
    assert client.get(f"{API}/partnerships/nessuno").status_code == 404


def test_it_answers_the_share_table_on_a_date_and_says_when_there_is_none(story, client):
    url = f"{API}/organizations/{story['p_entity']}/shares/table"

    before = client.get(url, {"on": "2015-12-31"}).json()
    after = client.get(url, {"on": "2016-01-15"}).json()

    assert before == {"act": None, "holdings": [], "public_share": "0.00", "private_share": "0.00"}
    assert after["act"]["date"] == "2016-01-15" and after["private_share"] == "51.00"
    assert client.get(url, {"on": "2016-13-01"}).status_code == 422
    assert client.get(f"{API}/organizations/nessuno/shares/table").status_code == 404


# Recording share acts


def test_the_entitys_admin_records_an_admission_and_the_history_shows_both_tables(
    personas, story, post, client
):
    response = post(
        personas.tom,
        f"/organizations/{story['p_entity']}/shares",
        {
            "kind": "ADMISSION",
            "date": "2020-01-01",
            "holdings": [
                {"member": "comune-di-lecco", "share": "49"},
                {"member": "05260180137", "share": "25.50"},  # Consorzio Lario's tax code
                {"member": "cooperativa-arcobaleno", "share": 15.5},
                {"member": story["p_ponte"], "share": "10.00"},
            ],
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["act"]["kind"] == "ADMISSION"
    assert response.json()["private_share"] == "51.00"
    history = client.get(f"{API}/organizations/{story['p_entity']}/shares").json()
    assert [t["act"]["kind"] for t in history["tables"]] == ["CONSTITUTION", "ADMISSION"]
    assert len(history["tables"][1]["holdings"]) == 4


REFUSED_ACTS = [
    (
        "TRANSFER",
        "2020-01-01",
        [("comune-di-lecco", "49"), ("consorzio-lario", "50")],
        "shares_not_100",
    ),
    (
        "TRANSFER",
        "2015-01-01",
        [("comune-di-lecco", "49"), ("consorzio-lario", "51")],
        "before_constitution",
    ),
    (
        "TRANSFER",
        "2015-12-31",
        [("comune-di-lecco", "49"), ("consorzio-lario", "51")],
        "before_constitution",
    ),
    ("CONSTITUTION", "2020-01-01", [("comune-di-lecco", "100")], "already_constituted"),
    (
        "ADMISSION",
        "2020-01-01",
        [("comune-di-lecco", "49"), ("consorzio-lario", "51")],
        "admits_nobody",
    ),
    ("TRANSFER", "2999-01-01", [("comune-di-lecco", "49"), ("consorzio-lario", "51")], "future"),
    (
        "TRANSFER",
        "2020-01-01",
        [("comune-di-lecco", "49"), ("comune-di-lecco", "51")],
        "member_twice",
    ),
    (
        "TRANSFER",
        "2020-01-01",
        [("comune-di-lecco", "49"), ("consorzio-lario", "51.001")],
        "too_many_decimals",
    ),
    (
        "TRANSFER",
        "2020-01-01",
        [("comune-di-lecco", "-1"), ("consorzio-lario", "101")],
        "not_positive",
    ),
    ("TRANSFER", "2020-01-01", [], "no_members"),
]


def test_it_refuses_an_act_that_breaks_a_rule_and_saves_nothing(personas, story, post):
    for kind, date, holdings, code in REFUSED_ACTS:
        response = post(
            personas.tom,
            f"/organizations/{story['p_entity']}/shares",
            {
                "kind": kind,
                "date": date,
                "holdings": [{"member": m, "share": s} for m, s in holdings],
            },
        )

        assert response.status_code == 400, response.content
        assert error(response)["code"] == code, (kind, date, holdings)
    assert ShareAct.objects.filter(entity__slug=story["p_entity"]).count() == 1


def test_a_member_that_left_comes_back_only_by_an_admission(personas, story, post):
    entity = Partnership.objects.get(slug=story["p_institutional"]).entity
    record_act(
        by=personas.tom,
        entity=entity,
        kind="EXIT",
        date=datetime.date(2018, 1, 1),
        holdings=[(personas.comune, "49"), (personas.consortium, "51")],
    )
    back = {
        "date": "2019-01-01",
        "holdings": [
            {"member": "comune-di-lecco", "share": "49"},
            {"member": "consorzio-lario", "share": "30"},
            {"member": "cooperativa-arcobaleno", "share": "21"},
        ],
    }

    refused = post(
        personas.tom, f"/organizations/{entity.slug}/shares", {"kind": "TRANSFER", **back}
    )
    admitted = post(
        personas.tom, f"/organizations/{entity.slug}/shares", {"kind": "ADMISSION", **back}
    )

    assert refused.status_code == 400 and error(refused)["code"] == "member_left"
    assert "Cooperativa Arcobaleno" in error(refused)["message"]
    assert admitted.status_code == 201


def test_it_names_the_member_not_on_trama(personas, story, post):
    response = post(
        personas.tom,
        f"/organizations/{story['p_entity']}/shares",
        {
            "kind": "ADMISSION",
            "date": "2020-01-01",
            "holdings": [
                {"member": "comune-di-lecco", "share": "49"},
                {"member": "associazione-fantasma", "share": "51"},
            ],
        },
    )

    assert response.status_code == 400
    assert error(response)["code"] == "member_not_on_trama"
    assert list(error(response)["fields"]) == ["holdings.1.member"]


def test_only_the_entitys_administrators_record_its_shares(personas, story, post):
    body = {"kind": "TRANSFER", "date": "2020-01-01", "holdings": [{"member": "x", "share": "1"}]}
    url = f"/organizations/{story['p_entity']}/shares"

    outsider = post(personas.oscar, url, body)
    alice = post(personas.alice, url, body)  # the owner of the partnership, not of the entity
    read_only = post(personas.tom, url, body, scope="read")
    anonymous = post(None, url, body)

    assert (outsider.status_code, error(outsider)["code"]) == (403, "forbidden")
    assert (alice.status_code, error(alice)["code"]) == (403, "forbidden")
    assert (read_only.status_code, error(read_only)["code"]) == (403, "token_read_only")
    assert anonymous.status_code == 401


def test_an_annulled_act_stops_counting(personas, story, post, client):
    url = f"/organizations/{story['p_foundation']}/shares/{story['p_to_annul']}/annul"

    outsider = post(personas.oscar, url, {"reason": "Errore"})
    no_reason = post(personas.tom, url, {"reason": " "})
    annulled = post(personas.tom, url, {"reason": "Registrato per errore"})
    again = post(personas.tom, url, {"reason": "Ancora"})

    assert outsider.status_code == 403
    assert (no_reason.status_code, error(no_reason)["code"]) == (400, "required")
    assert annulled.status_code == 201
    assert annulled.json()["kind"] == "ANNULMENT"
    assert annulled.json()["annuls"] == story["p_to_annul"]
    assert (again.status_code, error(again)["code"]) == (400, "not_in_force")
    history = client.get(f"{API}/organizations/{story['p_foundation']}/shares").json()
    assert history["tables"] == []
    assert [a["id"] for a in history["annulled"]] == [story["p_to_annul"]]
    other = post(
        personas.tom,
        f"/organizations/{story['p_entity']}/shares/{story['p_to_annul']}/annul",
        {"reason": "x"},
    )
    assert other.status_code == 404


# Recording and describing partnerships


def test_the_public_body_records_a_contractual_partnership_once(personas, story, post):
    url = f"/programs/{story['p_second_program']}/partnership"

    outsider = post(personas.oscar, url, {"formed_on": "2018-09-01"})
    future = post(personas.alice, url, {"formed_on": "2999-01-01"})
    recorded = post(personas.alice, url, {"formed_on": "2018-09-01", "name": "Rete Abitare"})
    again = post(personas.alice, url, {"formed_on": "2018-09-01"})

    assert outsider.status_code == 403
    assert (future.status_code, error(future)["code"]) == (400, "future")
    assert recorded.status_code == 201
    assert recorded.json()["name"] == "Rete Abitare"
    assert recorded.json()["members"] == []
    assert (again.status_code, error(again)["code"]) == (400, "program_has_partnership")


def test_the_public_body_records_an_institution_and_its_refusals(personas, story, post):
    url = f"/organizations/{story['p_foundation']}/institution"
    body = {"owner": "comune-di-lecco", "formed_on": "2019-03-01"}

    outsider = post(personas.tom, url, body)  # tom is no member of the Comune
    claimed = post(personas.alice, url, {**body, "grew_from": story["p_contractual"]})
    unknown = post(personas.alice, url, {**body, "grew_from": "nessuna"})
    public = post(personas.alice, "/organizations/comune-di-lecco/institution", body)
    recorded = post(personas.alice, url, body)
    twice = post(personas.alice, url, body)

    assert outsider.status_code == 403
    assert (claimed.status_code, error(claimed)["code"]) == (400, "grew_from_claimed")
    assert (unknown.status_code, error(unknown)["code"]) == (400, "unknown_partnership")
    assert (public.status_code, error(public)["code"]) == (400, "entity_is_public")
    assert recorded.status_code == 201
    assert recorded.json()["shares"]["private_share"] == "40.00"
    assert (twice.status_code, error(twice)["code"]) == (400, "entity_recorded")


def test_who_manages_a_partnership_names_it_and_its_coordinators(personas, story, post, client):
    slug = story["p_contractual"]

    outsider = post(personas.oscar, f"/partnerships/{slug}/update", {"name": "Mia"})
    nameless = post(personas.alice, f"/partnerships/{slug}/update", {"name": "  "})
    renamed = post(
        personas.alice,
        f"/partnerships/{slug}/update",
        {"name": "Alleanza", "description": "Dal 2006"},
    )
    stranger = post(
        personas.alice,
        f"/partnerships/{slug}/coordinators",
        {"name": "Olga", "organization": "fondazione-del-lario"},
    )
    added = post(
        personas.alice,
        f"/partnerships/{slug}/coordinators",
        {"name": "Bruno Neri", "organization": "00623530136", "email": "bruno@comune.lecco.it"},
    )
    removed = post(
        personas.oscar, f"/partnerships/{slug}/coordinators/{story['p_coordinator']}/remove"
    )
    removed_by_alice = post(
        personas.alice, f"/partnerships/{slug}/coordinators/{story['p_coordinator']}/remove"
    )

    assert (outsider.status_code, error(outsider)["code"]) == (403, "forbidden")
    assert (nameless.status_code, error(nameless)["code"]) == (400, "required")
    assert renamed.status_code == 200 and renamed.json()["description"] == "Dal 2006"
    assert (stranger.status_code, error(stranger)["code"]) == (400, "not_a_partner")
    assert added.status_code == 201 and added.json()["organization"]["slug"] == "comune-di-lecco"
    assert removed.status_code == 403
    assert [c["name"] for c in removed_by_alice.json()] == ["Bruno Neri"]
    body = client.get(f"{API}/partnerships/{slug}").json()
    assert body["name"] == "Alleanza"
    assert [c["email"] for c in body["coordinators"]] == ["bruno@comune.lecco.it"]


def test_an_institutions_own_administrator_manages_it_too(personas, story, post):
    response = post(
        personas.tom,
        f"/partnerships/{story['p_institutional']}/coordinators",
        {"name": "Tom Verdi", "organization": story["p_ponte"]},
    )

    # APS Il Ponte is not a member of Girasole.
    assert (response.status_code, error(response)["code"]) == (400, "not_a_partner")


# Territories


@pytest.fixture
def lecco_figures(personas, story):
    """Resources in the 2006 program: 1000 € public, 220 € the cooperative's own."""
    program = Partnership.objects.get(slug=story["p_contractual"]).program
    for source, contributor, amount in (
        ("PUBLIC_OWNER", personas.comune, "1000.00"),
        ("OWN_RESOURCES", personas.coop, "220.00"),
    ):
        ledger.record_entry(
            by=personas.alice,
            program=program,
            kind="ACTUAL",
            category="ECONOMIC",
            source=source,
            contributor=contributor,
            year=2008,
            amount=amount,
        )
    return program


def test_a_timeline_tells_the_story_in_order_with_resources(lecco_figures, story, client):
    response = client.get(f"{API}/territories/timeline/municipality:097042")

    assert response.status_code == 200
    body = response.json()
    assert body["territory"]["name"].startswith("Lecco")
    kinds = [(s["day"], s["kind"]) for s in body["steps"]]
    assert ("2006-05-01", "partnership") in kinds and ("2016-01-15", "institution") in kinds
    first_program = next(s for s in body["steps"] if s["title"] == "Rete Lecco")
    assert first_program["public"] is None  # 2006: no data yet, not zero
    last = body["steps"][-1]
    assert (last["public"], last["additional"], last["leverage"]) == (
        "1000.00",
        "220.00",
        "22.000000",
    )


def test_an_unknown_territory_is_a_404_with_its_code(story, client):
    for url in (
        f"{API}/territories/timeline/municipality:999999",
        f"{API}/territories/timeline/galassia",
        f"{API}/territories/compare?t=province:097&t=region:99",
    ):
        response = client.get(url)
        assert (response.status_code, error(response)["code"]) == (404, "unknown_territory"), url


def test_a_comparison_needs_two_to_six_territories(story, client):
    few = client.get(f"{API}/territories/compare", {"t": ["province:097", "province:097"]})
    many = client.get(f"{API}/territories/compare", {"t": [f"region:0{n}" for n in range(1, 8)]})
    inverted = client.get(
        f"{API}/territories/compare",
        {"t": ["region:03", "region:01"], "year_from": 2010, "year_to": 2009},
    )

    assert (few.status_code, error(few)["code"]) == (400, "too_few_territories")
    assert (many.status_code, error(many)["code"]) == (400, "too_many_territories")
    assert (inverted.status_code, error(inverted)["code"]) == (400, "years_inverted")


def test_a_comparison_gives_each_territory_its_own_figures(lecco_figures, story, client):
    response = client.get(
        f"{API}/territories/compare", {"t": ["province:097", "region:01"], "year_from": 2006}
    )

    assert response.status_code == 200
    lecco, piemonte = response.json()
    figures = client.get(
        f"{API}/figures", {"level": "province", "id": "LC", "year_from": 2006}
    ).json()
    for name in ("public", "other_public", "additional", "leverage", "multiplier"):
        assert lecco[name] == figures[name], name
    assert lecco["by_source"]["OWN_RESOURCES"] == figures["by_source"]["OWN_RESOURCES"] == "220.00"
    assert lecco["by_source"]["FOUNDATION_GRANT"] == "0.00"
    assert lecco["by_category"]["ECONOMIC"] == "220.00"
    timeline = client.get(f"{API}/territories/timeline/province:097").json()
    assert (lecco["public"], lecco["additional"]) == (
        timeline["steps"][-1]["public"],
        timeline["steps"][-1]["additional"],
    )
    assert lecco["calls"] == 0 and lecco["agreements"] == 0 and lecco["newcomer_share"] is None
    # Piemonte has no data: null, never zero.
    assert piemonte["has_data"] is False
    assert piemonte["public"] is None and piemonte["leverage"] is None
    assert piemonte["public_per_inhabitant"] is None and piemonte["by_source"] == {}


def test_per_inhabitant_figures_use_the_residents(lecco_figures, story, client):
    from trama.territories.models import Municipality

    Municipality.objects.filter(istat_code="097042").update(population=50000, population_year=2024)

    [lecco, _other] = client.get(
        f"{API}/territories/compare", {"t": ["municipality:097042", "region:01"]}
    ).json()

    assert lecco["territory"]["population"] == 50000
    assert lecco["public_per_inhabitant"] == "0.02"
    assert lecco["additional_per_inhabitant"] == "0.00"


def test_the_regions_leverage_is_null_where_there_is_no_public_money(lecco_figures, client):
    response = client.get(f"{API}/territories/leverage")

    assert response.status_code == 200
    by_code = {r["istat_code"]: r["leverage"] for r in response.json()}
    assert by_code["03"] == "22.0"
    assert by_code["01"] is None


def test_the_document_keeps_each_kind_filter_apart(db, client):
    doc = client.get(f"{API}/openapi.json").json()

    def kind_values(path):
        [kind] = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == "kind"]
        [schema, _null] = kind["schema"]["anyOf"]
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema["enum"]

    assert kind_values(f"{API}/partnerships") == ["CONTRACTUAL", "INSTITUTIONAL"]
    assert kind_values(f"{API}/programs/{{slug}}/entries") == ["PLEDGE", "ACTUAL"]
