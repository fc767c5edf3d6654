"""The ledger API: programs, entries, the acts on entries and the figures, per persona."""

import base64
import hashlib
import json
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from trama.api.tests.conftest import tax_code
from trama.conftest import make_org
from trama.ledger import services
from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.measure import current_measure
from trama.ledger.models import FunderConfirmation, LedgerEntry, Level, Verification
from trama.procedures.services import record_historical_procedure
from trama.programs.services import create_program

API = "/api/v1"
PROGRAM = f"{API}/programs/welfare-comunitario"
ENTRIES = f"{PROGRAM}/entries"
FIGURES = f"{API}/figures"


@pytest.fixture
def call(client, personas, token_for):
    """call("post", url, body, as_="tom") with a write token of that persona (None: anonymous)."""

    def request(method, url, body=None, *, as_=None, scope="write"):
        headers = token_for(getattr(personas, as_), scope) if as_ else {}
        if method == "get":
            return client.get(url, body or {}, headers=headers)
        return client.post(url, body, content_type="application/json", headers=headers)

    return request


def record(program, by, contributor, source="OWN_RESOURCES", amount="10.00", **extra):
    """Set-up through the service: what the API reads, written the way every interface writes."""
    return services.record_entry(
        by=by,
        program=program,
        kind=extra.pop("kind", "ACTUAL"),
        category=extra.pop("category", "ECONOMIC"),
        source=source,
        contributor=contributor,
        year=extra.pop("year", 2017),
        amount=amount,
        **extra,
    )


def entry_body(**changes):
    body = {
        "kind": "ACTUAL",
        "category": "ECONOMIC",
        "source": "OWN_RESOURCES",
        "contributor": "cooperativa-arcobaleno",
        "year": 2017,
        "amount": "150.00",
        "description": "Coordinamento del centro diurno",
    }
    return {k: v for k, v in {**body, **changes}.items() if v is not None}


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


@pytest.fixture
def turin(personas):
    """A verified public body in Piedmont, with a program on housing."""
    city = make_org(
        "Comune di Torino",
        by=personas.sam,
        kind="PUBLIC_BODY",
        tax_code="00514490010",
        municipality="Torino (TO)",
        verified=True,
    )
    return create_program(
        by=personas.sam,
        owner=city,
        title="Abitare solidale",
        start_year=2019,
        end_year=2024,
        area="HOUSING",
    )


# Programs


def test_it_lists_programs_with_their_owner_and_territory(program, turin, call):
    response = call("get", f"{API}/programs")

    assert [p["slug"] for p in items(response)] == ["abitare-solidale", "welfare-comunitario"]
    assert response.json()["count"] == 2
    lecco = items(response)[1]
    assert lecco == {
        "slug": "welfare-comunitario",
        "title": "Welfare comunitario",
        "area": "SOCIAL_WELFARE",
        "start_year": 2016,
        "end_year": 2020,
        "description": "",
        "owner": {"slug": "comune-di-lecco", "name": "Comune di Lecco"},
        "province": {
            "istat_code": "097",
            "name": "Lecco",
            "abbreviation": "LC",
            "region": {"istat_code": "03", "name": "Lombardia"},
        },
        "url": "/programmi/welfare-comunitario/",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"owner": "comune-di-lecco"}, ["welfare-comunitario"]),
        ({"owner": "comune-di-torino"}, ["abitare-solidale"]),
        ({"owner": "nessuno"}, []),
        ({"region": "03"}, ["welfare-comunitario"]),
        ({"region": "01"}, ["abitare-solidale"]),
        ({"region": "12"}, []),
        ({"area": "HOUSING"}, ["abitare-solidale"]),
        ({"area": "CULTURE"}, []),
        ({"region": "01", "area": "SOCIAL_WELFARE"}, []),
    ],
)
def test_it_filters_programs(program, turin, call, query, expected):
    response = call("get", f"{API}/programs", query)

    assert [p["slug"] for p in items(response)] == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("query", [{"area": "SPORT"}, {"limit": 0}, {"offset": -1}])
def test_it_refuses_malformed_program_filters(program, call, query):
    error = error_of(call("get", f"{API}/programs", query), 422)

    assert error["code"] == "malformed_request"
    assert set(query) <= set(error["fields"])


def test_it_shows_a_program_with_its_procedures_to_anyone(personas, program, call):
    record_historical_procedure(
        by=personas.alice,
        program=program,
        title="Primo avviso di co-progettazione",
        kind="CO_DESIGN",
        reference="Det. 123/2016",
    )

    for persona in (None, "oscar", "tom"):
        response = call("get", PROGRAM, as_=persona, scope="read")

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["title"] == "Welfare comunitario"
        assert body["owner"]["slug"] == "comune-di-lecco"
        [procedure] = body["procedures"]
        assert procedure["title"] == "Primo avviso di co-progettazione"
        assert procedure["kind"] == "CO_DESIGN"
        assert procedure["origin"] == "HISTORICAL"
        assert procedure["state"] == "COMPLETED"
        assert procedure["reference"] == "Det. 123/2016"
        assert isinstance(procedure["id"], int)


def test_it_answers_an_unknown_program_with_a_json_404(program, call):
    for url in (f"{API}/programs/nessuno", f"{API}/programs/nessuno/entries"):
        assert error_of(call("get", url), 404)["code"] == "not_found"


def test_it_lists_a_page_of_programs_in_a_bounded_number_of_queries(
    personas, program, call, django_assert_max_num_queries
):
    for n in range(25):
        create_program(
            by=personas.alice,
            owner=personas.comune,
            title=f"Programma {n:02}",
            start_year=2010,
            end_year=2012,
        )

    with django_assert_max_num_queries(2):  # count, page
        response = call("get", f"{API}/programs", {"limit": 20, "region": "03"})

    assert len(items(response)) == 20
    assert response.json()["count"] == 26


# Reading entries


def test_it_shows_entries_with_amounts_as_strings_and_their_state(
    personas, program, educator_rate, call
):
    public = record(program, personas.alice, personas.comune, "PUBLIC_OWNER", "1000")
    hours = services.record_entry(
        by=personas.pat,
        program=program,
        kind="ACTUAL",
        category="PROFESSIONAL",
        source="OWN_RESOURCES",
        contributor=personas.coop,
        year=2018,
        quantity="10",
        rate=educator_rate,
    )
    pledge = record(program, personas.tom, personas.consortium, kind="PLEDGE")

    response = call("get", ENTRIES)

    assert [e["id"] for e in items(response)] == [pledge.pk, hours.pk, public.pk]
    by_id = {e["id"]: e for e in items(response)}
    assert by_id[public.pk]["amount"] == "1000.00"
    assert by_id[public.pk]["signed_amount"] == "1000.00"
    assert by_id[public.pk]["state"] == "accepted"  # the owner's own record
    assert by_id[public.pk]["verification"] == "ACCEPTED"
    assert by_id[public.pk]["valuation"] is None
    assert by_id[public.pk]["contributor"] == {"slug": "comune-di-lecco", "name": "Comune di Lecco"}
    assert by_id[public.pk]["program"] == "welfare-comunitario"
    hours_out = by_id[hours.pk]
    assert hours_out["amount"] == "225.00"
    assert hours_out["state"] == "pending"
    assert hours_out["valuation"] == {
        "quantity": "10.00",
        "unit": "HOUR",
        "unit_value": "22.50",
        "rate": educator_rate.name,
        "rate_id": educator_rate.pk,
        "note": hours.valuation_note,
    }
    assert "Educatore" in hours_out["valuation"]["note"]
    assert by_id[pledge.pk]["state"] == "pledged"
    assert by_id[pledge.pk]["verification"] is None
    for entry in items(response):
        assert entry["reverses"] is None and entry["reversed_by"] is None
        assert "recorded_by" not in entry and "@" not in str(entry)


def test_it_links_an_entry_and_its_reversal_both_ways(personas, program, call):
    entry = record(program, personas.tom, personas.coop, amount="40.00")
    services.verify_entry(entry, by=personas.alice, accept=True)
    reversal = services.reverse_entry(entry, by=personas.tom, reason="Registrata due volte")

    by_id = {e["id"]: e for e in items(call("get", ENTRIES))}

    assert by_id[entry.pk]["reversed_by"] == reversal.pk
    assert by_id[reversal.pk]["reverses"] == entry.pk
    assert by_id[reversal.pk]["reason"] == "Registrata due volte"
    assert by_id[reversal.pk]["amount"] == "40.00"
    assert by_id[reversal.pk]["signed_amount"] == "-40.00"
    # A reversal counts wherever the entry it cancels counts.
    assert by_id[reversal.pk]["state"] == by_id[entry.pk]["state"] == "accepted"


@pytest.fixture
def ledger(personas, program):
    """One entry in every state, in two years, from three contributors."""
    p = personas
    entries = {
        "public": record(program, p.alice, p.comune, "PUBLIC_OWNER", "1000.00"),
        "pending": record(program, p.tom, p.consortium, year=2018),
        "accepted": record(program, p.tom, p.coop, category="PROJECT"),
        "rejected": record(program, p.tom, p.coop),
        "disputed": record(program, p.tom, p.coop, "FOUNDATION_GRANT", funder=p.foundation),
        "pending_grant": record(program, p.tom, p.coop, "FOUNDATION_GRANT", funder=p.foundation),
        "pledge": record(program, p.tom, p.consortium, kind="PLEDGE", year=2019),
    }
    for name in ("accepted", "disputed"):
        services.verify_entry(entries[name], by=p.alice, accept=True)
    services.verify_entry(entries["rejected"], by=p.eve, accept=False, reason="Nessuna fattura")
    services.confirm_grant(entries["disputed"], by=p.fiona, confirmed=False, reason="Mai erogato")
    # Disputed while still pending: the verification decides first.
    services.confirm_grant(
        entries["pending_grant"], by=p.fiona, confirmed=False, reason="Importo diverso"
    )
    entries["reversal"] = services.reverse_entry(entries["accepted"], by=p.pat, reason="Doppia")
    return entries


ENTRY_FILTERS = [
    ({"state": "pending"}, {"pending", "pending_grant"}),
    ({"state": "accepted"}, {"public", "accepted", "reversal"}),
    ({"state": "rejected"}, {"rejected"}),
    ({"state": "disputed"}, {"disputed"}),
    ({"state": "pledged"}, {"pledge"}),
    ({"kind": "PLEDGE"}, {"pledge"}),
    ({"source": "FOUNDATION_GRANT"}, {"disputed", "pending_grant"}),
    ({"source": "PUBLIC_OWNER"}, {"public"}),
    ({"category": "PROJECT"}, {"accepted", "reversal"}),
    ({"year": 2018}, {"pending"}),
    ({"year": 2020}, set()),
    ({"contributor": "consorzio-lario"}, {"pending", "pledge"}),
    ({"contributor": "nessuno"}, set()),
    ({"contributor": "cooperativa-arcobaleno", "state": "accepted"}, {"accepted", "reversal"}),
]


def test_it_filters_entries(ledger, call, subtests):
    names = {entry.pk: name for name, entry in ledger.items()}

    for query, expected in ENTRY_FILTERS:
        with subtests.test(query=query):
            response = call("get", ENTRIES, query)

            assert {names[e["id"]] for e in items(response)} == expected
            assert response.json()["count"] == len(expected)


def test_the_state_of_every_entry_is_where_it_counts_in_the_figures(ledger, call):
    listed = items(call("get", ENTRIES))

    assert len(listed) == len(ledger)
    for entry in listed:
        measure = current_measure(LedgerEntry.objects.get(pk=entry["id"]))
        assert entry["state"] == measure.lower(), entry
    grant = next(e for e in listed if e["id"] == ledger["pending_grant"].pk)
    assert grant["confirmation"] == "DISPUTED" and grant["state"] == "pending"


@pytest.mark.parametrize(
    "query",
    [{"state": "lost"}, {"kind": "GIFT"}, {"source": "BANK"}, {"year": "dopo"}, {"limit": 0}],
)
def test_it_refuses_malformed_entry_filters(program, call, query):
    error = error_of(call("get", ENTRIES, query), 422)

    assert error["code"] == "malformed_request"
    assert set(query) <= set(error["fields"])


def test_it_lists_a_page_of_entries_in_a_bounded_number_of_queries(
    personas, program, educator_rate, call, token_for, client, django_assert_max_num_queries
):
    for n in range(60):
        if n % 3 == 0:
            entry = record(
                program, personas.tom, personas.coop, "FOUNDATION_GRANT", funder=personas.foundation
            )
            if n % 2 == 0:
                services.confirm_grant(entry, by=personas.fiona, confirmed=True)
        elif n % 3 == 1:
            entry = services.record_entry(
                by=personas.pat,
                program=program,
                kind="ACTUAL",
                category="PROFESSIONAL",
                source="OWN_RESOURCES",
                contributor=personas.coop,
                year=2018,
                quantity=str(n),
                rate=educator_rate,
            )
        else:
            entry = record(program, personas.tom, personas.consortium)
        if n % 4 == 0:
            services.verify_entry(entry, by=personas.alice, accept=True)
        if n % 5 == 0:
            services.reverse_entry(entry, by=personas.tom, reason="Correzione")
    headers = token_for(personas.tom, "read")

    with django_assert_max_num_queries(3):  # program, count, page
        anonymous = client.get(ENTRIES, {"limit": 20})
    with django_assert_max_num_queries(6):  # token, its last use, program, memberships, count, page
        with_token = client.get(ENTRIES, {"limit": 20, "state": "pending"}, headers=headers)
    with django_assert_max_num_queries(3):
        last_page = client.get(ENTRIES, {"limit": 20, "offset": 60})

    assert len(items(anonymous)) == 20
    assert anonymous.json()["count"] == 72  # 60 entries and 12 reversals
    assert with_token.json()["count"] > 20
    assert len(items(with_token)) == 20
    assert len(items(last_page)) == 12


def test_it_serves_at_most_a_hundred_entries_a_page(personas, program, call):
    for _n in range(101):
        record(program, personas.alice, personas.comune, "PUBLIC_OWNER", kind="PLEDGE")

    response = call("get", ENTRIES, {"limit": 100})

    assert len(items(response)) == 100
    assert response.json()["count"] == 101
    # More than a page is refused, as the OpenAPI document's maximum says, not cut short.
    assert "limit" in error_of(call("get", ENTRIES, {"limit": 500}), 422)["fields"]


# Recording entries


@pytest.mark.parametrize(
    ("persona", "contributor", "source", "state"),
    [
        ("tom", "cooperativa-arcobaleno", "OWN_RESOURCES", "pending"),
        ("tom", "consorzio-lario", "PRIVATE_DONATIONS", "pending"),
        ("pat", "cooperativa-arcobaleno", "OWN_RESOURCES", "pending"),
        # The owning body's officers record anyone's resources, accepted at once.
        ("alice", "comune-di-lecco", "PUBLIC_OWNER", "accepted"),
        ("alice", "cooperativa-arcobaleno", "OWN_RESOURCES", "accepted"),
        ("eve", "comune-di-lecco", "PUBLIC_OWNER", "accepted"),
    ],
)
def test_it_records_an_actual_for_a_body_of_the_token_holder(
    personas, program, call, persona, contributor, source, state
):
    response = call(
        "post", ENTRIES, entry_body(contributor=contributor, source=source), as_=persona
    )

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["contributor"]["slug"] == contributor
    assert created["amount"] == "150.00"
    assert created["state"] == state
    assert created["description"] == "Coordinamento del centro diurno"
    entry = LedgerEntry.objects.get(pk=created["id"])
    assert entry.recorded_by == getattr(personas, persona)
    assert items(call("get", ENTRIES))[0]["id"] == entry.pk


def test_it_records_a_pledge_and_a_grant_naming_its_funder(personas, program, call):
    record_historical_procedure(
        by=personas.alice, program=program, title="Primo avviso", kind="CO_DESIGN"
    )
    procedure = program.procedures.get()

    pledge = call("post", ENTRIES, entry_body(kind="PLEDGE", amount=2000), as_="pat")
    grant = call(
        "post",
        ENTRIES,
        entry_body(
            source="FOUNDATION_GRANT",
            funder="fondazione-del-lario",
            grant_reference="Bando Welfare 2017",
            procedure=procedure.pk,
            amount="500",
        ),
        as_="tom",
    )

    assert pledge.status_code == 201, pledge.content
    assert pledge.json()["state"] == "pledged"
    assert pledge.json()["amount"] == "2000.00"
    assert grant.status_code == 201, grant.content
    assert grant.json()["funder"] == {
        "slug": "fondazione-del-lario",
        "name": "Fondazione del Lario",
    }
    assert grant.json()["grant_reference"] == "Bando Welfare 2017"
    assert grant.json()["procedure"] == procedure.pk
    assert grant.json()["state"] == "pending"


def test_it_values_an_in_kind_resource_at_a_reference_rate(personas, program, educator_rate, call):
    response = call(
        "post",
        ENTRIES,
        entry_body(
            amount=None,
            category="PROFESSIONAL",
            quantity=10,
            rate=educator_rate.pk,
            year=2018,
        ),
        as_="pat",
    )

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "225.00"
    assert response.json()["valuation"]["rate"] == educator_rate.name
    assert response.json()["valuation"]["unit"] == "HOUR"
    assert response.json()["valuation"]["unit_value"] == "22.50"


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("150", "150.00"),
        ("150.5", "150.50"),
        ("99.99", "99.99"),
        (150, "150.00"),
        (10.1, "10.10"),
        (0.01, "0.01"),
        (999999999999.99, "999999999999.99"),
    ],
)
def test_it_takes_amounts_as_strings_or_numbers_and_keeps_cents_exact(
    personas, program, call, amount, stored
):
    response = call("post", ENTRIES, entry_body(amount=amount), as_="tom")

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == stored
    assert str(LedgerEntry.objects.get().amount) == stored


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount": "0"}, "not_positive", "amount"),
        ({"amount": -5}, "not_positive", "amount"),
        ({"amount": "10.005"}, "too_many_decimals", "amount"),
        ({"amount": 10.005}, "too_many_decimals", "amount"),
        ({"amount": "1000000000000"}, "too_large", "amount"),
        ({"amount": "dieci"}, "invalid_number", "amount"),
        # Canonical decimals only: Italian notation is for the pages.
        ({"amount": "1250,50"}, "invalid_number", "amount"),
        ({"amount": "1.500"}, "too_many_decimals", "amount"),
        ({"amount": " 99.99 "}, "invalid_number", "amount"),
        ({"amount": "1e30"}, "invalid_number", "amount"),
        ({"amount": 1e30}, "too_large", "amount"),
        ({"amount": "123456789012345678901234567"}, "too_large", "amount"),
        ({"quantity": "3", "unit": "HOUR", "unit_value": "-18.50"}, "not_positive", "unit_value"),
        ({"quantity": "-3", "unit": "HOUR", "unit_value": "18.50"}, "not_positive", "quantity"),
        ({"amount": None}, "required", "amount"),
        ({"source": "FOUNDATION_GRANT"}, "funder_required", "funder"),
        (
            {"source": "FOUNDATION_GRANT", "funder": "consorzio-lario"},
            "not_a_funder",
            "funder",
        ),
        ({"funder": "fondazione-del-lario"}, "funder_not_allowed", "funder"),
        ({"year": 2015}, "year_outside_program", "year"),
        ({"year": 2021}, "year_outside_program", "year"),
        ({"source": "PUBLIC_OWNER"}, "public_owner_only", "source"),
        ({"kind": "GIFT"}, "invalid", "kind"),
        ({"category": "SPIRITUAL"}, "invalid", "category"),
        ({"source": "BANK"}, "invalid", "source"),
        ({"contributor": "ente-che-non-esiste"}, "unknown_organization", "contributor"),
        (
            {"source": "FOUNDATION_GRANT", "funder": "ente-che-non-esiste"},
            "unknown_organization",
            "funder",
        ),
        ({"rate": 999999, "quantity": "3", "amount": None}, "unknown_rate", "rate"),
        ({"procedure": 999999}, "unknown_procedure", "procedure"),
        ({"quantity": "3", "unit": "HOUR", "amount": None}, "rate_required", "unit_value"),
        (
            {"quantity": "3", "unit": "HOUR", "unit_value": "10", "amount": "31"},
            "valuation_mismatch",
            "amount",
        ),
    ],
)
def test_it_refuses_what_does_not_count_and_saves_nothing(
    personas, program, call, changes, code, field
):
    before = LedgerEntry.objects.count()

    response = call("post", ENTRIES, entry_body(**changes), as_="tom")

    error = error_of(response, 400)
    assert error["code"] == code
    assert error["message"]
    assert error["fields"][field][0]["code"] == code
    assert LedgerEntry.objects.count() == before


def test_it_refuses_additional_resources_from_a_public_body(personas, program, call):
    response = call("post", ENTRIES, entry_body(contributor="comune-di-lecco"), as_="alice")

    assert error_of(response, 400)["code"] == "additional_not_public"
    assert not LedgerEntry.objects.exists()


def test_it_refuses_a_procedure_of_another_program(personas, program, turin, call):
    elsewhere = record_historical_procedure(
        by=personas.sam, program=turin, title="Avviso casa", kind="CO_DESIGN"
    )

    response = call("post", ENTRIES, entry_body(procedure=elsewhere.pk), as_="tom")

    assert error_of(response, 400)["code"] == "wrong_procedure"
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "number", ["10.0000000000000001", "10.001", "1e-3", "12345678901.234", "100.00000"]
)
def test_it_reads_a_json_number_as_written_not_as_a_float(personas, program, call, number):
    # A float would make 10.0 of the first: the client did not write 10.00.
    body = json.dumps(entry_body(amount="AMOUNT")).replace('"AMOUNT"', number)

    response = call("post", ENTRIES, body, as_="tom")

    if number == "100.00000":  # trailing zeros are still two decimals' worth
        assert response.status_code == 201, response.content
        assert response.json()["amount"] == "100.00"
    else:
        assert error_of(response, 400)["code"] == "too_many_decimals"
        assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (entry_body(amount=True), "amount"),
        (entry_body(amount={"euro": 10}), "amount"),
        (entry_body(amount=["10"]), "amount"),
        (entry_body(year="duemila"), "year"),
        (entry_body(contributor=None), "contributor"),
        (entry_body(kind=None), "kind"),
        ('{"kind": "ACTUAL", ', "body"),
        ('{"kind": "ACTUAL", "amount": NaN}', "amount"),
    ],
)
def test_it_refuses_malformed_entries_and_saves_nothing(personas, program, call, body, field):
    response = call("post", ENTRIES, body, as_="tom")

    error = error_of(response, 422)
    assert error["code"] == "malformed_request"
    assert field in error["fields"]
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("persona", "contributor"),
    [
        ("oscar", "cooperativa-arcobaleno"),  # the outsider
        ("fiona", "cooperativa-arcobaleno"),  # the funder records no one's resources
        ("pat", "consorzio-lario"),  # a member of the coop, not of the consortium
        ("tom", "fondazione-del-lario"),
    ],
)
def test_it_lets_no_one_record_for_a_body_they_do_not_belong_to(
    personas, program, call, persona, contributor
):
    response = call("post", ENTRIES, entry_body(contributor=contributor), as_=persona)

    assert error_of(response, 403)["code"] == "forbidden"
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("persona", "scope", "status", "code"),
    [(None, None, 401, "unauthenticated"), ("tom", "read", 403, "token_read_only")],
)
def test_it_records_only_with_a_write_token(program, call, persona, scope, status, code):
    response = call("post", ENTRIES, entry_body(), as_=persona, scope=scope)

    assert error_of(response, status)["code"] == code
    assert not LedgerEntry.objects.exists()


def test_it_answers_a_write_to_an_unknown_program_with_a_404(program, call):
    response = call("post", f"{API}/programs/nessuno/entries", entry_body(), as_="tom")

    assert error_of(response, 404)["code"] == "not_found"
    assert not LedgerEntry.objects.exists()


# Reversing


@pytest.mark.parametrize("persona", ["tom", "pat", "alice", "eve"])
def test_it_reverses_an_entry_for_its_contributor_or_the_owning_body(
    personas, program, call, persona
):
    entry = record(program, personas.tom, personas.coop, amount="40.00")

    response = call(
        "post", f"{ENTRIES}/{entry.pk}/reverse", {"reason": "Registrata due volte"}, as_=persona
    )

    assert response.status_code == 201, response.content
    reversal = response.json()
    assert reversal["reverses"] == entry.pk
    assert reversal["amount"] == "40.00" and reversal["signed_amount"] == "-40.00"
    assert reversal["reason"] == "Registrata due volte"
    assert LedgerEntry.objects.get(pk=reversal["id"]).reverses == entry


@pytest.mark.parametrize("persona", ["oscar", "fiona"])
def test_it_lets_no_one_else_reverse_an_entry(personas, program, call, persona):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/reverse", {"reason": "Errore"}, as_=persona)

    assert error_of(response, 403)["code"] == "forbidden"
    assert LedgerEntry.objects.count() == 1


def test_it_refuses_a_second_reversal_and_the_reversal_of_a_reversal(personas, program, call):
    entry = record(program, personas.tom, personas.coop)
    reversal = services.reverse_entry(entry, by=personas.tom, reason="Errore")
    before = LedgerEntry.objects.count()

    again = call("post", f"{ENTRIES}/{entry.pk}/reverse", {"reason": "Ancora"}, as_="tom")
    undo = call("post", f"{ENTRIES}/{reversal.pk}/reverse", {"reason": "Ripristino"}, as_="tom")
    no_reason = call("post", f"{ENTRIES}/{entry.pk}/reverse", {"reason": "  "}, as_="tom")

    assert error_of(again, 409)["code"] == "already_reversed"
    assert error_of(undo, 400)["code"] == "reversal_of_reversal"
    assert error_of(no_reason, 400)["fields"]["reason"][0]["code"] == "reason_required"
    assert LedgerEntry.objects.count() == before


def test_it_answers_acts_on_an_unknown_entry_with_a_404(personas, program, turin, call):
    elsewhere = record(turin, personas.sam, personas.coop, year=2020, check_permission=False)
    before = LedgerEntry.objects.count()

    for act, body in (
        ("reverse", {"reason": "Errore"}),
        ("verify", {"accept": True}),
        ("confirm", {"confirmed": True}),
    ):
        for entry_id in (999999, elsewhere.pk):  # missing, or in another program
            response = call("post", f"{ENTRIES}/{entry_id}/{act}", body, as_="alice")
            assert error_of(response, 404)["code"] == "not_found"
        assert error_of(call("post", f"{ENTRIES}/x/{act}", body, as_="alice"), 422)
    assert LedgerEntry.objects.count() == before


@pytest.mark.parametrize("act", ["reverse", "verify", "confirm"])
def test_acts_on_entries_need_a_write_token(personas, program, call, act):
    entry = record(
        program, personas.tom, personas.coop, "FOUNDATION_GRANT", funder=personas.foundation
    )
    body = {"reason": "Errore", "accept": True, "confirmed": True}

    anonymous = call("post", f"{ENTRIES}/{entry.pk}/{act}", body)
    read_only = call("post", f"{ENTRIES}/{entry.pk}/{act}", body, as_="alice", scope="read")

    assert error_of(anonymous, 401)["code"] == "unauthenticated"
    assert error_of(read_only, 403)["code"] == "token_read_only"
    assert LedgerEntry.objects.count() == 1
    assert Verification.objects.count() == 1  # the pending one made when it was recorded
    assert not FunderConfirmation.objects.exists()


# Verifying


@pytest.mark.parametrize("persona", ["alice", "eve"])
def test_the_owning_body_accepts_an_actual(personas, program, call, persona):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/verify", {"accept": True}, as_=persona)

    assert response.status_code == 200, response.content
    assert response.json()["id"] == entry.pk
    assert response.json()["state"] == "accepted"
    assert response.json()["verification"] == "ACCEPTED"


def test_the_owning_body_rejects_an_actual_saying_why(personas, program, call):
    entry = record(program, personas.tom, personas.coop)
    url = f"{ENTRIES}/{entry.pk}/verify"

    silent = call("post", url, {"accept": False}, as_="alice")
    assert error_of(silent, 400)["code"] == "reason_required"
    assert items(call("get", ENTRIES))[0]["state"] == "pending"

    response = call("post", url, {"accept": False, "reason": "Nessuna fattura"}, as_="alice")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "rejected"
    assert entry.verifications.latest("pk").reason == "Nessuna fattura"


def test_a_second_verification_is_a_conflict(personas, program, call):
    entry = record(program, personas.tom, personas.coop)
    url = f"{ENTRIES}/{entry.pk}/verify"
    assert call("post", url, {"accept": True}, as_="alice").status_code == 200
    before = Verification.objects.count()

    response = call("post", url, {"accept": False, "reason": "Ci ho ripensato"}, as_="eve")

    error = error_of(response, 409)
    assert error["code"] == "already_verified"
    assert error["message"]
    assert Verification.objects.count() == before
    assert items(call("get", ENTRIES))[0]["state"] == "accepted"


@pytest.mark.parametrize("persona", ["tom", "pat", "fiona", "oscar"])
def test_no_one_outside_the_owning_body_verifies(personas, program, call, persona):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/verify", {"accept": True}, as_=persona)

    assert error_of(response, 403)["code"] == "forbidden"
    assert Verification.objects.get().status == "PENDING"


def test_an_unverified_public_body_does_not_verify(personas, program, call):
    entry = record(program, personas.tom, personas.coop)
    personas.comune.verified_at = None
    personas.comune.save(update_fields=["verified_at"])

    response = call("post", f"{ENTRIES}/{entry.pk}/verify", {"accept": True}, as_="alice")

    assert error_of(response, 403)["code"] == "forbidden"
    assert Verification.objects.get().status == "PENDING"


def test_only_actuals_that_stand_are_verified(personas, program, call):
    pledge = record(program, personas.tom, personas.coop, kind="PLEDGE")
    reversed_ = record(program, personas.tom, personas.coop)
    reversal = services.reverse_entry(reversed_, by=personas.tom, reason="Errore")
    before = Verification.objects.count()

    for entry, status, code in (
        (pledge, 400, "not_an_actual"),
        (reversal, 400, "not_an_actual"),
        (reversed_, 409, "already_reversed"),
    ):
        response = call("post", f"{ENTRIES}/{entry.pk}/verify", {"accept": True}, as_="alice")
        assert error_of(response, status)["code"] == code
    assert Verification.objects.count() == before


# Funder confirmation


def test_the_funder_disputes_and_confirms_a_grant(personas, program, call):
    grant = record(
        program, personas.tom, personas.coop, "FOUNDATION_GRANT", funder=personas.foundation
    )
    services.verify_entry(grant, by=personas.alice, accept=True)
    url = f"{ENTRIES}/{grant.pk}/confirm"

    silent = call("post", url, {"confirmed": False}, as_="fiona")
    assert error_of(silent, 400)["code"] == "reason_required"

    disputed = call("post", url, {"confirmed": False, "reason": "Importo diverso"}, as_="fiona")
    assert disputed.status_code == 200, disputed.content
    assert disputed.json()["state"] == "disputed"
    assert disputed.json()["confirmation"] == "DISPUTED"

    again = call("post", url, {"confirmed": False, "reason": "Ancora"}, as_="fiona")
    assert error_of(again, 409)["code"] == "already_confirmed"

    confirmed = call("post", url, {"confirmed": True}, as_="fiona")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "accepted"
    assert confirmed.json()["confirmation"] == "CONFIRMED"
    assert FunderConfirmation.objects.count() == 2


@pytest.mark.parametrize("persona", ["tom", "pat", "alice", "oscar"])
def test_only_the_named_funder_confirms_a_grant(personas, program, call, persona):
    grant = record(
        program, personas.tom, personas.coop, "FOUNDATION_GRANT", funder=personas.foundation
    )

    response = call("post", f"{ENTRIES}/{grant.pk}/confirm", {"confirmed": True}, as_=persona)

    assert error_of(response, 403)["code"] == "forbidden"
    assert not FunderConfirmation.objects.exists()


def test_only_grants_are_confirmed(personas, program, call):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/confirm", {"confirmed": True}, as_="fiona")

    assert error_of(response, 400)["code"] == "not_a_grant"
    assert not FunderConfirmation.objects.exists()


# Evidence

PDF = b"%PDF-1.7\n1 0 obj\n%%EOF\n"


def evidence_body(content=PDF, name="ricevuta.pdf"):
    return {"file_name": name, "file_base64": base64.b64encode(content).decode()}


@pytest.mark.parametrize("persona", ["tom", "pat", "alice"])
def test_it_attaches_evidence_for_the_contributor_or_the_owning_body(
    personas, program, call, client, client_for, persona
):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/evidence", evidence_body(), as_=persona)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["entry"] == entry.pk
    assert (body["name"], body["content_type"], body["size"]) == (
        "ricevuta.pdf",
        "application/pdf",
        len(PDF),
    )
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert not any("url" in key or "file" in key for key in body)  # nothing to fetch it by
    [evidence] = entry.evidence.all()
    assert evidence.pk == body["id"] and evidence.uploaded_by == getattr(personas, persona)
    with evidence.file.open("rb") as stored:
        assert stored.read() == PDF
    # Private: the public listing doesn't name it, and its page serves it to members only.
    assert "ricevuta" not in client.get(ENTRIES).content.decode()
    page = reverse("ledger:evidence", args=[program.slug, entry.pk, evidence.pk])
    assert client_for(None).get(page).status_code == 404
    assert client_for(personas.oscar).get(page).status_code == 404
    assert client_for(personas.pat).get(page).status_code == 200


@pytest.mark.parametrize(("persona", "status"), [("oscar", 403), ("fiona", 403), (None, 401)])
def test_it_lets_no_one_else_attach_evidence(personas, program, call, persona, status):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/evidence", evidence_body(), as_=persona)

    assert response.status_code == status, response.content
    assert not entry.evidence.exists()


def test_it_attaches_evidence_only_with_a_write_token(personas, program, call):
    entry = record(program, personas.tom, personas.coop)

    response = call(
        "post", f"{ENTRIES}/{entry.pk}/evidence", evidence_body(), as_="tom", scope="read"
    )

    assert error_of(response, 403)["code"] == "token_read_only"
    assert not entry.evidence.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (evidence_body(name="ricevuta.docx"), "file_type"),
        (evidence_body(content=b"MZ not a pdf"), "file_content_mismatch"),
        ({"file_name": "ricevuta.pdf", "file_base64": "not base64!"}, "invalid_base64"),
    ],
)
def test_it_refuses_evidence_that_is_not_a_real_file_of_a_kind_taken(
    personas, program, call, body, code
):
    entry = record(program, personas.tom, personas.coop)

    response = call("post", f"{ENTRIES}/{entry.pk}/evidence", body, as_="tom")

    assert error_of(response, 400)["code"] == code
    assert not entry.evidence.exists()


def test_it_takes_evidence_as_large_as_a_request_may_carry(personas, program, call):
    """About 1.8 MB in Base64 (a request is at most 2.5 MB); a larger file goes by the page."""
    entry = record(program, personas.tom, personas.coop)
    url = f"{ENTRIES}/{entry.pk}/evidence"

    largest = call("post", url, evidence_body(content=PDF.ljust(1_799_999, b"0")), as_="tom")
    too_large = call("post", url, evidence_body(content=PDF.ljust(1_800_001, b"0")), as_="tom")

    assert largest.status_code == 201, largest.content
    assert "file_base64" in error_of(too_large, 422)["fields"]
    assert entry.evidence.count() == 1


def test_it_answers_evidence_for_an_unknown_entry_with_a_404(personas, program, turin, call):
    elsewhere = record(turin, personas.sam, personas.coop, year=2020, check_permission=False)

    for entry_id in (999999, elsewhere.pk):
        response = call("post", f"{ENTRIES}/{entry_id}/evidence", evidence_body(), as_="tom")
        assert error_of(response, 404)["code"] == "not_found"
    assert not elsewhere.evidence.exists()


# Figures
#
# The arithmetic of the figures is tested once, on compute_figures, in
# trama/ledger/tests/test_figures.py. Here: the API names the scope a client asks for and
# serves compute_figures' numbers for it, with every field, decimals as strings.

FIELDS = {
    "scope",
    "basis",
    "year_from",
    "year_to",
    "has_data",
    "entries",
    "public",
    "other_public",
    "additional",
    "total",
    "leverage",
    "multiplier",
    "realisation_rate",
    "pledged_additional",
    "accepted_additional",
    "pledged",
    "accepted",
    "pending",
    "rejected",
    "disputed",
    "by_source",
    "by_category",
    "by_year",
    "by_contributor",
    "others",
    "funder",
}
MONEY_FIELDS = [
    "pledged_additional",
    "accepted_additional",
    "public",
    "other_public",
    "additional",
    "total",
    "pledged",
    "accepted",
    "pending",
    "rejected",
    "disputed",
]
MONEY = re.compile(r"\d+\.\d{2}")  # euro: two decimals, never an exponent or a float
RATIO = re.compile(r"\d+\.\d{6}")  # unrounded: always six decimal places


def figures(call, **query):
    response = call("get", FIGURES, query)
    assert response.status_code == 200, response.content
    return response.json()


def money(text) -> D:
    assert isinstance(text, str) and MONEY.fullmatch(text), text
    return D(text)


def assert_serialised(result, computed):
    """The API's figures are compute_figures' numbers, every decimal a string."""
    assert set(result) == FIELDS
    assert (result["has_data"], result["entries"]) == (computed.has_data, computed.entries)
    for name in MONEY_FIELDS:
        assert money(result[name]) == getattr(computed, name), name
    for name in ("leverage", "multiplier", "realisation_rate"):
        value = getattr(computed, name)
        if value is None:
            assert result[name] is None, name
        else:
            assert RATIO.fullmatch(result[name]) and D(result[name]) == value, name
    assert {k: money(v) for k, v in result["by_source"].items()} == computed.by_source
    assert {k: money(v) for k, v in result["by_category"].items()} == computed.by_category
    assert [
        (row["year"], money(row["public"]), money(row["other_public"]), money(row["additional"]))
        for row in result["by_year"]
    ] == [tuple(row) for row in computed.by_year]
    assert [
        (row["slug"], row["name"], money(row["amount"])) for row in result["by_contributor"]
    ] == [(org.slug, org.name, amount) for org, amount in computed.by_contributor]
    others = result["others"]
    assert set(others) == {"amount", "count", "count_is_lower_bound"}
    assert (money(others["amount"]), others["count"], others["count_is_lower_bound"]) == (
        computed.others,
        computed.others_count,
        computed.others_capped,
    )


def test_the_figures_of_a_mixed_ledger_are_those_compute_figures_gives(
    personas, program, ledger, educator_rate, call, subtests
):
    services.record_entry(
        by=personas.alice,
        program=program,
        kind="ACTUAL",
        category="PROFESSIONAL",
        source="OWN_RESOURCES",
        contributor=personas.coop,
        year=2018,
        quantity="10",
        rate=educator_rate,
    )
    region = personas.comune.municipality.province.region
    for query, scope, options in [
        ({"level": "program", "id": "welfare-comunitario"}, Scope(Level.PROGRAM, program.pk), {}),
        (
            {"level": "program", "id": "welfare-comunitario", "basis": "pledged"},
            Scope(Level.PROGRAM, program.pk),
            {"basis": Basis.PLEDGED},
        ),
        (
            {"level": "program", "id": "welfare-comunitario", "year_from": 2018},
            Scope(Level.PROGRAM, program.pk),
            {"year_from": 2018},
        ),
        (
            {"level": "region", "id": region.istat_code, "year_from": 2017, "year_to": 2017},
            Scope(Level.REGION, region.pk),
            {"year_from": 2017, "year_to": 2017},
        ),
        (
            {"level": "contributor", "id": "cooperativa-arcobaleno"},
            Scope(Level.CONTRIBUTOR, personas.coop.pk),
            {},
        ),
        ({"level": "country"}, Scope.country(), {}),
    ]:
        with subtests.test(query=query):
            result = figures(call, **query)

            computed = compute_figures(scope, **options)
            assert computed.has_data  # so that the comparison says something
            assert_serialised(result, computed)
            assert result["basis"] == query.get("basis", "accepted")
            assert (result["year_from"], result["year_to"]) == (
                query.get("year_from"),
                query.get("year_to"),
            )
    program_figures = figures(call, level="program", id="welfare-comunitario")
    assert program_figures["scope"] == {
        "level": "program",
        "id": "welfare-comunitario",
        "name": "Welfare comunitario",
    }
    # Every state of the fixture shows somewhere.
    assert all(D(program_figures[name]) > 0 for name in MONEY_FIELDS if name != "other_public")


def test_an_empty_program_has_no_data_not_zero_percent(program, call):
    empty = figures(call, level="program", id="welfare-comunitario")

    assert empty["has_data"] is False
    assert empty["entries"] == 0
    assert empty["leverage"] is None
    assert empty["multiplier"] is None
    assert empty["realisation_rate"] is None
    assert empty["public"] == empty["additional"] == empty["pledged"] == "0.00"
    assert empty["by_source"] == {} and empty["by_year"] == [] and empty["by_contributor"] == []


def test_it_names_the_scope_of_the_figures_at_every_level(personas, program, call, subtests):
    procedure = record_historical_procedure(
        by=personas.alice, program=program, title="Primo avviso", kind="CO_DESIGN"
    )
    record(program, personas.alice, personas.comune, "PUBLIC_OWNER", "400.00", procedure=procedure)
    record(program, personas.alice, personas.coop, amount="100.00", procedure=procedure)
    province = personas.comune.municipality.province

    for query, name, scope in [
        (
            {"level": "program", "id": "welfare-comunitario"},
            "Welfare comunitario",
            Scope(Level.PROGRAM, program.pk),
        ),
        (
            {"level": "procedure", "id": str(procedure.pk)},
            "Primo avviso",
            Scope(Level.PROCEDURE, procedure.pk),
        ),
        (
            {"level": "owner", "id": "comune-di-lecco"},
            "Comune di Lecco",
            Scope(Level.OWNER, personas.comune.pk),
        ),
        ({"level": "province", "id": "LC"}, "Lecco", Scope(Level.PROVINCE, province.pk)),
        ({"level": "province", "id": "lc"}, "Lecco", Scope(Level.PROVINCE, province.pk)),
        ({"level": "province", "id": "097"}, "Lecco", Scope(Level.PROVINCE, province.pk)),
        ({"level": "region", "id": "03"}, "Lombardia", Scope(Level.REGION, province.region_id)),
        (
            {"level": "contributor", "id": "cooperativa-arcobaleno"},
            "Cooperativa Arcobaleno",
            Scope(Level.CONTRIBUTOR, personas.coop.pk),
        ),
        ({"level": "country", "id": "ignored"}, None, Scope.country()),
    ]:
        with subtests.test(query=query):
            result = figures(call, **query)

            if name:
                assert result["scope"] == {**query, "name": name}
            else:
                assert result["scope"]["level"] == "country" and result["scope"]["id"] is None
            assert result["has_data"] is True
            assert_serialised(result, compute_figures(scope))


def test_figures_of_a_scope_elsewhere_have_no_data(personas, program, turin, call):
    record(program, personas.alice, personas.comune, "PUBLIC_OWNER", "400.00")

    for query in (
        {"level": "region", "id": "01"},
        {"level": "province", "id": "TO"},
        {"level": "program", "id": "abitare-solidale"},
        {"level": "owner", "id": "consorzio-lario"},
    ):
        result = figures(call, **query)
        assert result["has_data"] is False and result["leverage"] is None, query


@pytest.mark.parametrize(
    "query",
    [
        {"level": "program", "id": "nessuno"},
        {"level": "procedure", "id": "999999"},
        {"level": "procedure", "id": "primo"},
        {"level": "owner", "id": "nessuno"},
        {"level": "province", "id": "ZZ"},
        {"level": "region", "id": "99"},
    ],
)
def test_figures_of_an_unknown_scope_are_a_404(program, call, query):
    assert error_of(call("get", FIGURES, query), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "level"),
        ({"level": "planet"}, "level"),
        ({"level": "program", "id": "welfare-comunitario", "basis": "hoped"}, "basis"),
        ({"level": "country", "year_from": "ieri"}, "year_from"),
    ],
)
def test_it_refuses_malformed_figure_queries(program, call, query, field):
    error = error_of(call("get", FIGURES, query), 422)

    assert error["code"] == "malformed_request"
    assert field in error["fields"]


def test_it_asks_for_the_id_of_a_level_that_needs_one(program, call):
    error = error_of(call("get", FIGURES, {"level": "program"}), 400)

    assert error["code"] == "id_required"
    assert error["fields"]["id"][0]["code"] == "id_required"


def test_figures_take_a_bounded_number_of_queries(
    personas, program, call, django_assert_max_num_queries
):
    for n in range(30):
        org = make_org(f"Associazione {n:02}", by=personas.oscar, tax_code=tax_code(200 + n))
        record(program, personas.alice, org, amount=f"{n + 1}.00")

    with django_assert_max_num_queries(5):  # scope, totals, top contributors, their count, names
        result = figures(call, level="program", id="welfare-comunitario")

    assert len(result["by_contributor"]) == 20 and result["others"]["count"] == 10
    assert_serialised(result, compute_figures(Scope(Level.PROGRAM, program.pk)))


def test_leverage_and_multiplier_come_unrounded(personas, program, call):
    record(program, personas.alice, personas.comune, "PUBLIC_OWNER", "7000.00")
    record(program, personas.alice, personas.coop, "OWN_RESOURCES", "900.00")
    result = figures(call, level="program", id="welfare-comunitario")
    # 900 / 7000 = 12.857142857… %; (7000 + 900) / 7000 = 1.128571428…: six places, where
    # the former 1.13 read back meant 7910 €, 10 € more than entered.
    assert result["leverage"] == "12.857143"
    assert result["multiplier"] == "1.128571"
    assert abs(D(result["multiplier"]) * 7000 - D("7900")) < D("0.01")
    schema = call("get", f"{API}/openapi.json").json()["components"]["schemas"]["FiguresOut"]
    for name in ("leverage", "multiplier", "realisation_rate"):
        declared = schema["properties"][name]
        assert "6" in declared["description"] or "six" in declared["description"], name
        pattern = next(t["pattern"] for t in declared["anyOf"] if "pattern" in t)
        assert re.fullmatch(pattern, "1.128571") and not re.fullmatch(pattern, "1.13")


def test_an_inverted_year_range_is_a_400_with_a_stable_code(program, call):
    response = call("get", FIGURES, {"level": "country", "year_from": 2019, "year_to": 2017})
    error = error_of(response, 400)
    assert error["code"] == "years_inverted"
    assert error["fields"]["year_to"][0]["code"] == "years_inverted"
    funder = call(
        "get", FIGURES, {"level": "funder", "id": "x", "year_from": 2019, "year_to": 2017}
    )
    assert error_of(funder, 400)["code"] == "years_inverted"


def test_the_funder_level_gives_its_grants_and_the_programs_around_them(personas, program, call):
    p = personas
    record(program, p.alice, p.comune, "PUBLIC_OWNER", "1000.00")
    record(program, p.alice, p.consortium, "OWN_RESOURCES", "200.00")
    grant = record(program, p.alice, p.coop, "FOUNDATION_GRANT", "300.00", funder=p.foundation)
    services.confirm_grant(grant, by=p.fiona, confirmed=True)
    record(
        program, p.alice, p.coop, "FOUNDATION_GRANT", "400.00", funder=p.foundation, kind="PLEDGE"
    )
    result = figures(call, level="funder", id=p.foundation.slug)
    assert result["scope"]["level"] == "funder" and result["has_data"] is True
    assert_serialised(result, compute_figures(Scope(Level.FUNDER, p.foundation.pk)))
    # Its grants: 300 accepted over 400 pledged = 75 %.
    assert result["additional"] == "300.00" and result["realisation_rate"] == "75.000000"
    funder = result["funder"]
    # The program around them: P = 1000, A = 200 + 300 = 500: 50 %, × 1.5.
    assert [row["slug"] for row in funder["programs"]] == ["welfare-comunitario"]
    row = funder["programs"][0]
    assert (row["grants"], row["public"], row["additional"]) == ("300.00", "1000.00", "500.00")
    assert row["leverage"] == "50.000000"
    assert (funder["leverage"], funder["multiplier"]) == ("50.000000", "1.500000")
    assert funder["grants"]["confirmed"] == {
        "pledged": "0.00",
        "pledges": 0,
        "actual": "300.00",
        "actuals": 1,
    }
    assert funder["grants"]["awaiting"]["pledged"] == "400.00"
    # A body that is not a funder is not a funder scope.
    assert error_of(call("get", FIGURES, {"level": "funder", "id": "cooperativa-arcobaleno"}), 404)
    assert figures(call, level="program", id="welfare-comunitario")["funder"] is None
