"""What the API refuses before anything reaches the database: pages, ids, texts, amounts,
bodies that are not JSON objects and text PostgreSQL can't store. Each is a 4xx with a
stable code, never a 500."""

import datetime

import pytest

from trama.ledger.models import LedgerEntry
from trama.organizations.models import Organization

LISTS = [
    "/api/v1/organizations",
    "/api/v1/territories/municipalities",
    "/api/v1/programs",
    "/api/v1/calls",
]


def malformed(response):
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    return error["fields"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 10**30}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": 10**30}, "offset"),
        ({"offset": 1_000_001}, "offset"),
        ({"offset": -1}, "offset"),
    ],
)
def test_every_list_refuses_a_page_out_of_bounds(db, client, url, query, field):
    assert field in malformed(client.get(url, query))


@pytest.mark.parametrize("url", LISTS)
def test_every_list_answers_the_last_offset_with_an_empty_page(db, client, url):
    response = client.get(url, {"offset": 1_000_000, "limit": 100})

    assert response.status_code == 200, response.content
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/calls/{2**63}",
        "/api/v1/calls/0",
        "/api/v1/calls/-1",
        f"/api/v1/proposals/{10**30}/submit",
        "/api/v1/programs/welfare-comunitario/entries/99999999999999999999999/verify",
    ],
)
def test_it_refuses_ids_out_of_range(db, client, token_for, personas, url):
    headers = token_for(personas.alice, "write")
    method = client.get if url.startswith("/api/v1/calls") else client.post

    fields = malformed(method(url, headers=headers))

    assert fields


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/organizations", {"q": "x" * 101}, "q"),
        ("/api/v1/organizations", {"region": "Lombardia"}, "region"),
        ("/api/v1/territories/municipalities", {"province": "Lecco"}, "province"),
        ("/api/v1/figures", {"level": "country", "year_from": 1000}, "year_from"),
        ("/api/v1/figures", {"level": "country", "year_to": 99999}, "year_to"),
    ],
)
def test_it_refuses_query_values_out_of_bounds(db, client, url, query, field):
    assert field in malformed(client.get(url, query))


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/organizations", {"q": "a\x00b"}, "q"),
        ("/api/v1/territories/municipalities", {"q": "\x00"}, "q"),
        ("/api/v1/figures", {"level": "program", "id": "x\x00"}, "id"),
    ],
)
def test_it_refuses_nul_characters_in_a_query(db, client, url, query, field):
    fields = malformed(client.get(url, query))

    assert fields[field][0]["code"] == "invalid_text"


@pytest.mark.parametrize(
    "url", ["/api/v1/organizations/a%00b", "/api/v1/territories/municipalities/%00"]
)
def test_it_refuses_nul_characters_in_a_path(db, client, url):
    assert malformed(client.get(url))


def post_organization(client, headers, body):
    return client.post(
        "/api/v1/organizations", body, content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ('{"name": "Sole\\u0000"}', "name", "invalid_text"),
        ('{"name": "Sole \\ud800"}', "name", "invalid_text"),  # a lone surrogate
        ('{"name": "Sole", "\\udfff": 1}', "body", "invalid_text"),
        ('{"name": ["ok", {"deep": "\\u0000"}]}', "name.1.deep", "invalid_text"),
        (b'{"name": "Sole \xff"}', "body", "json_invalid"),  # not UTF-8
        ("{'name': 'Sole'}", "body", "json_invalid"),
        ('{"name": "Sole",}', "body", "json_invalid"),
        ("[1, 2]", "body", "not_an_object"),
        ("42", "body", "not_an_object"),
        ("null", "body", "not_an_object"),
        ('"Cooperativa Sole"', "body", "not_an_object"),
    ],
)
def test_it_refuses_bodies_that_are_not_json_objects_of_storable_text(
    personas, client, token_for, body, field, code
):
    headers = token_for(personas.oscar, "write")
    before = Organization.objects.count()

    fields = malformed(post_organization(client, headers, body))

    assert code in [error["code"] for error in fields[field]], fields
    assert Organization.objects.count() == before


def test_it_refuses_a_field_the_document_does_not_name(personas, client, token_for):
    headers = token_for(personas.oscar, "write")

    fields = malformed(
        post_organization(
            client,
            headers,
            {"name": "Sole", "kind": "THIRD_SECTOR", "legal_form": "ASSOCIATION",
             "municipality": "Lecco (LC)", "nmae": "typo"},
        )
    )  # fmt: skip

    assert fields["nmae"][0]["code"] == "extra_forbidden"


def test_it_refuses_texts_longer_than_their_column(personas, client, token_for):
    headers = token_for(personas.oscar, "write")
    body = {
        "name": "x" * 201,
        "kind": "THIRD_SECTOR",
        "legal_form": "ASSOCIATION",
        "municipality": "Lecco (LC)",
        "vat_number": "1" * 12,
    }

    fields = malformed(post_organization(client, headers, body))

    assert {"name", "vat_number"} <= set(fields)
    assert fields["name"][0]["code"] == "string_too_long"


# Amounts: canonical decimals checked with the bounds every form uses.


@pytest.fixture
def entries_url(personas):
    from trama.programs.services import create_program

    program = create_program(
        by=personas.alice, owner=personas.comune, title="Welfare", start_year=2016, end_year=2020
    )
    return f"/api/v1/programs/{program.slug}/entries"


def in_kind(**changes):
    body = {
        "kind": "PLEDGE",
        "category": "PROFESSIONAL",
        "source": "OWN_RESOURCES",
        "contributor": "cooperativa-arcobaleno",
        "year": 2018,
        "quantity": "120",
        "unit": "HOUR",
        "unit_value": "18.50",
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"unit_value": "-18.50"}, "unit_value", "not_positive"),
        ({"unit_value": -18.5}, "unit_value", "not_positive"),
        ({"unit_value": "18.505"}, "unit_value", "too_many_decimals"),
        ({"unit_value": 1e30}, "unit_value", "too_large"),
        ({"unit_value": "10000000000"}, "unit_value", "too_large"),
        ({"quantity": "1" * 27}, "quantity", "too_large"),
        ({"quantity": 10**27}, "quantity", "too_large"),
        ({"quantity": "0"}, "quantity", "not_positive"),
        ({"quantity": "120,5"}, "quantity", "invalid_number"),
        ({"quantity": "1.200"}, "quantity", "too_many_decimals"),
        ({"quantity": "1" * 33}, "quantity", "too_long"),
        ({"amount": "1e30", "quantity": None, "unit_value": None}, "amount", "invalid_number"),
        ({"amount": 1e30, "quantity": None, "unit_value": None}, "amount", "too_large"),
    ],
)
def test_it_refuses_amounts_out_of_bounds_with_their_code(
    personas, client, token_for, entries_url, changes, field, code
):
    body = {k: v for k, v in in_kind(**changes).items() if v is not None}

    response = client.post(
        entries_url, body, content_type="application/json", headers=token_for(personas.pat, "write")
    )

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["fields"][field][0]["code"] == code
    assert not LedgerEntry.objects.exists()


def test_it_refuses_a_negative_unit_value_even_beside_a_reference_rate(
    personas, client, token_for, entries_url
):
    from trama.ledger.models import ReferenceRate

    rate = ReferenceRate.objects.create(
        name="Educatore", unit="HOUR", value="22.50", valid_from=datetime.date(2016, 1, 1)
    )
    body = in_kind(rate=rate.pk, unit_value="-1")

    response = client.post(
        entries_url, body, content_type="application/json", headers=token_for(personas.pat, "write")
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "not_positive"
    assert not LedgerEntry.objects.exists()


def test_it_bounds_the_points_of_a_criterion(personas, client, token_for, entries_url):
    slug = entries_url.split("/")[4]
    body = {
        "title": "Avviso",
        "description": "Oggetto",
        "deadline": "2030-06-30T12:00:00+02:00",
        "criteria": [{"title": "Qualità", "max_points": "1000.01"}],
    }

    response = client.post(
        f"/api/v1/programs/{slug}/calls",
        body,
        content_type="application/json",
        headers=token_for(personas.alice, "write"),
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["criteria"][0]["code"] == "too_large"
