"""OCDS releases, records, packages through the API and bulk files, checked by the official
validator (libcoveocds, offline) and by hand."""

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.models import Level
from trama.opendata.ocds import bulk, packages
from trama.procedures import services as procedure_services
from trama.procedures.models import Procedure
from trama.procedures.services.history import record_historical_procedure
from trama.procedures.tests.conftest import complete_proposal, rome
from trama.programs.services import create_program

from .support import CLEAN, completed_procedure, signed_agreement, validate

MARKER = "SIGILLOQX7"


@pytest.fixture
def done(personas):
    return completed_procedure(personas)


def _get(client, name, params=None, **kwargs):
    response = client.get(reverse(f"api-v1:{name}", kwargs=kwargs), params or {})
    return response, (json.loads(response.content) if response.content else None)


def test_it_validates_every_package_kind(client, done, personas, tmp_path, settings):
    _response, by_procedure = _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)
    _response, by_body = _get(client, "ocds_releases", {"body": personas.comune.slug})
    _response, record = _get(client, "ocds_procedure_record", call_id=done.procedure.pk)
    _response, records = _get(client, "ocds_records", {"body": personas.comune.slug})
    settings.MEDIA_ROOT = tmp_path
    bulk.rebuild()
    (year,) = bulk.years()
    with open(tmp_path / bulk.jsonl_name(year), encoding="utf-8") as lines:
        from_bulk = [json.loads(line) for line in lines]
    bulk_package = packages.release_package(from_bulk, uri="https://trama.test/bulk")
    for package in (
        by_procedure,
        by_body,
        record,
        records,
        json.loads(packages.dumps(bulk_package)),
    ):
        assert validate(package) == CLEAN
    assert len(by_procedure["releases"]) == 6
    assert len(from_bulk) == 6
    assert record["records"][0]["compiledRelease"]["tag"] == ["compiled"]


def test_it_says_every_act_in_order_with_stable_ids(client, done, personas):
    _response, package = _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)
    releases = package["releases"]
    ocid = f"ocds-trama-{done.procedure.pk}"
    assert [r["tag"] for r in releases] == [
        ["planning", "tender"],
        ["award"],
        ["contract"],
        ["implementation"],
        ["implementation"],
        ["contractTermination"],
    ]
    assert all(r["ocid"] == ocid and r["id"].startswith(ocid + "-") for r in releases)
    _response, again = _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)
    assert [r["id"] for r in again["releases"]] == [r["id"] for r in releases]
    notice, award, contract, payment, report, _end = releases
    tender = notice["tender"]
    assert "art. 55" in tender["procurementMethodDetails"]
    assert "non un appalto" in tender["procurementMethodDetails"]
    assert notice["planning"]["budget"]["amount"] == {"amount": 30000, "currency": "EUR"}
    assert award["awards"][0]["suppliers"] == [
        {"id": "IT-CF-05260180137", "name": "Consorzio Lario"}
    ]
    transaction = payment["contracts"][0]["implementation"]["transactions"][0]
    assert transaction["value"] == {"amount": 10000, "currency": "EUR"}
    assert transaction["payer"]["id"] == "IT-CF-00623530136"
    assert transaction["payee"]["id"] == "IT-CF-05260180137"
    milestone = report["contracts"][0]["implementation"]["milestones"][0]
    assert milestone["status"] == "met" and milestone["type"] == "reporting"
    # Roles gather act after act; the compiled record keeps them all.
    _response, records = _get(client, "ocds_procedure_record", call_id=done.procedure.pk)
    roles = {p["id"]: set(p["roles"]) for p in records["records"][0]["compiledRelease"]["parties"]}
    assert roles["IT-CF-00623530136"] >= {"buyer", "procuringEntity", "funder", "payer"}
    assert roles["IT-CF-05260180137"] >= {"tenderer", "supplier", "payee", "sourceParty"}
    assert roles["IT-CF-06281940137"] == {"funder"}
    party = next(p for p in contract["parties"] if p["id"] == "IT-CF-01590830137")
    assert party["identifier"] == {
        "scheme": "IT-CF",
        "id": "01590830137",
        "legalName": "Cooperativa Arcobaleno",
    }
    # Nothing private: not the proposal's title, not a representative's tax code.
    text = json.dumps(package)
    assert "Titolo della proposta" not in text
    assert "Tom Verdi" not in text


def test_the_budget_breakdown_is_the_ledger_by_source(client, done, personas):
    _response, package = _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)
    contract = next(r for r in package["releases"] if r["tag"] == ["contract"])
    budget = contract["planning"]["budget"]
    lines = {
        line["id"]: Decimal(str(line["amount"]["amount"])) for line in budget["budgetBreakdown"]
    }
    # By hand: the coop's 4.000,00 own resources were reversed and pledged again as 3.500,00.
    assert lines == {
        "IT-CF-00623530136-PUBLIC_OWNER": Decimal("30000"),
        "IT-CF-05260180137-OWN_RESOURCES": Decimal("8000"),
        "IT-CF-01590830137-OWN_RESOURCES": Decimal("3500"),
        "IT-CF-01590830137-FOUNDATION_GRANT": Decimal("6000"),
    }
    figures = compute_figures(Scope(Level.PROCEDURE, done.procedure.pk), basis=Basis.PLEDGED)
    by_source = {}
    for line_id, amount in lines.items():
        source = line_id.rsplit("-", 1)[1]
        by_source[source] = by_source.get(source, Decimal(0)) + amount
    assert by_source == figures.by_source
    assert Decimal(str(budget["amount"]["amount"])) == figures.total


def test_a_sealed_proposal_is_in_no_package(client, bodies, call, settings, tmp_path, time_machine):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium, title=MARKER)
    procedure_services.submit_proposal(proposal, by=bodies.tom)
    settings.MEDIA_ROOT = tmp_path
    # Before the deadline, and after it while the proposals are evaluated: no proposal, no
    # tenderer, until the ranking is published.
    for moment in (rome(2026, 3, 10, 9, 0), rome(2026, 4, 2, 9, 0)):
        time_machine.move_to(moment, tick=False)
        bulk.rebuild()
        bodies_package = _get(client, "ocds_releases", {"body": bodies.comune.slug})[1]
        seen = [
            bodies_package,
            _get(client, "ocds_releases")[1],
            _get(client, "ocds_records")[1],
            _get(client, "ocds_procedure_releases", call_id=call.pk)[1],
            _get(client, "ocds_procedure_record", call_id=call.pk)[1],
        ]
        (year,) = bulk.years()
        seen.append((tmp_path / bulk.jsonl_name(year)).read_text())
        for found in seen:
            text = found if isinstance(found, str) else json.dumps(found)
            assert MARKER not in text
            assert "tenderer" not in text and "awards" not in text
        # The call itself is public: its tender release is there.
        assert [r["tag"] for r in bodies_package["releases"]] == [["planning", "tender"]]
    assert validate(bodies_package) == CLEAN


def test_bad_input_gets_a_stable_code(client, done, personas):
    draft = Procedure.objects.create(
        program=done.program, owner=personas.comune, title="Bozza", rup=personas.alice
    )
    for call_id in (draft.pk, 10**9):
        for name in ("ocds_procedure_releases", "ocds_procedure_record"):
            response, body = _get(client, name, call_id=call_id)
            assert response.status_code == 404 and body["error"]["code"] == "not_found"
    for name in ("ocds_releases", "ocds_records"):
        response, body = _get(client, name, {"body": "nessuno"})
        assert response.status_code == 404 and body["error"]["code"] == "not_found"
        for bad in (
            {"date_from": "2019-02-01", "date_to": "2019-01-01"},
            {"date_from": "1800-01-01"},
            {"date_to": "9999-12-31"},
        ):
            response, body = _get(client, name, bad)
            assert response.status_code == 400 and body["error"]["code"] == "bad_date_range"
        response, body = _get(client, name, {"date_from": "01/02/2019"})
        assert response.status_code == 422 and body["error"]["code"] == "malformed_request"
        response, body = _get(client, name, {"offset": 50})
        assert response.status_code == 200
        assert body.get("releases", body.get("records")) == []
        assert 'rel="next"' not in response["Link"] and "offset=30" in response["Link"]


def test_pages_follow_links_in_bounded_queries(
    client, done, personas, django_assert_max_num_queries
):
    for title in ("Secondo avviso", "Terzo avviso"):
        signed_agreement(personas, program=done.program, title=title)
    with django_assert_max_num_queries(30):
        response, first = _get(client, "ocds_releases", {"body": personas.comune.slug, "limit": 2})
    assert response["Link"].startswith("<http") and response["Link"].endswith(
        'offset=2>; rel="next"'
    )
    following = client.get(response["Link"].split(">")[0].lstrip("<"))
    second = json.loads(following.content)
    assert 'rel="next"' not in following["Link"] and 'rel="prev"' in following["Link"]
    ocids = {r["ocid"] for r in first["releases"]} | {r["ocid"] for r in second["releases"]}
    assert len(ocids) == 3
    # A page with a next one is a package like any other: the links are in the header only.
    assert "links" not in first
    found = validate(first)
    assert found["validation_errors"] == []
    assert found["additional_closed_codelist_values"] == {}
    assert found["additional_fields"] == []
    assert not found["invalid_extension"]


def test_a_date_range_keeps_the_acts_dated_in_it(client, done):
    _response, package = _get(
        client, "ocds_releases", {"date_from": "2018-01-20", "date_to": "2018-01-20"}
    )
    assert package["releases"] == []  # the payment is dated by its recording, not paid_on
    payment = next(
        r
        for r in _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)[1]["releases"]
        if r["id"].endswith(f"payment-{done.advance.payment.pk}")
    )
    day = payment["date"][:10]
    _response, package = _get(client, "ocds_releases", {"date_from": day, "date_to": day})
    assert payment["id"] in [r["id"] for r in package["releases"]]


def test_bulk_files_are_rebuilt_and_downloaded(client, done, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("ocds_bulk", stdout=io.StringIO())
    (year,) = bulk.years()
    first = (tmp_path / bulk.jsonl_name(year)).read_bytes()
    call_command("ocds_bulk", stdout=io.StringIO())
    lines = (tmp_path / bulk.jsonl_name(year)).read_bytes()
    assert [json.loads(x)["id"] for x in lines.splitlines()] == [
        json.loads(x)["id"] for x in first.splitlines()
    ]
    index = client.get(reverse("ocds:bulk_index")).json()
    assert [f["year"] for f in index["files"]] == [year]
    response = client.get(reverse("ocds:bulk", args=[year, "jsonl"]))
    assert b"".join(response.streaming_content) == lines
    response = client.get(reverse("ocds:bulk", args=[year, "zip"]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.read(f"releases-{year}.jsonl") == lines
    assert client.get(reverse("ocds:bulk", args=[1999, "zip"])).status_code == 404


def test_a_procedure_recorded_from_history_is_a_completed_tender(client, done, personas):
    old = record_historical_procedure(
        by=personas.alice,
        program=done.program,
        title="Primo bando di co-progettazione",
        kind=done.procedure.kind,
        opened_on=datetime.date(2006, 3, 1),
        closed_on=datetime.date(2006, 6, 30),
    )
    _response, package = _get(client, "ocds_procedure_releases", call_id=old.pk)
    assert [r["tender"]["status"] for r in package["releases"]] == ["complete"]
    _response, record = _get(client, "ocds_procedure_record", call_id=old.pk)
    assert record["records"][0]["compiledRelease"]["tender"]["status"] == "complete"
    found = validate(package)
    assert found["validation_errors"] == [] and found["additional_fields"] == []


def test_a_concluded_coprogramming_is_a_completed_tender(client, personas, time_machine):
    """A co-programming ends with its final document, not a contract: its record says the
    tender is complete once the RUP concludes it, and stays valid OCDS."""
    time_machine.move_to(rome(2026, 2, 1, 9, 0), tick=False)
    program = create_program(
        by=personas.alice, owner=personas.comune, title="Giovani", start_year=2026, end_year=2027
    )
    procedure = procedure_services.create_call(
        by=personas.alice,
        program=program,
        kind="CO_PROGRAMMING",
        title="Co-programmazione politiche giovanili",
        description="Leggere insieme i bisogni dei giovani.",
        deadline=rome(2026, 2, 20, 12, 0),
    )
    procedure = procedure_services.publish_call(procedure, by=personas.alice)
    interest = procedure_services.express_interest(
        procedure, by=personas.tom, organization=personas.consortium
    )
    time_machine.move_to(rome(2026, 3, 1, 9, 0), tick=False)
    procedure_services.admit_participants(
        procedure, by=personas.alice, decisions={interest.pk: (True, "")}
    )
    procedure_services.add_meeting(
        procedure,
        by=personas.alice,
        title="Tavolo",
        held_at=rome(2026, 3, 2, 17, 0),
        agenda="Bisogni",
    )
    _response, before = _get(client, "ocds_procedure_record", call_id=procedure.pk)
    assert before["records"][0]["compiledRelease"]["tender"]["status"] == "active"
    time_machine.move_to(rome(2026, 4, 10, 9, 0), tick=False)
    procedure_services.conclude_coprogramming(
        procedure, by=personas.alice, final_document="Piano: tre azioni per i giovani."
    )
    _response, package = _get(client, "ocds_procedure_releases", call_id=procedure.pk)
    last = package["releases"][-1]
    assert last["id"].endswith("-concluded") and last["tag"] == ["tenderUpdate"]
    assert last["date"].startswith("2026-04-10")
    assert last["tender"]["description"] == "Piano: tre azioni per i giovani."
    _response, record = _get(client, "ocds_procedure_record", call_id=procedure.pk)
    assert record["records"][0]["compiledRelease"]["tender"]["status"] == "complete"
    for found in (validate(package), validate(record)):
        assert found["validation_errors"] == [] and found["additional_fields"] == []
        assert found["additional_closed_codelist_values"] == {}


def test_the_ocid_prefix_is_a_setting(client, done, settings):
    settings.OCDS_OCID_PREFIX = "ocds-abc123"
    _response, package = _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)
    assert {r["ocid"] for r in package["releases"]} == {f"ocds-abc123-{done.procedure.pk}"}


def test_the_validator_does_find_what_is_wrong(client, done):
    _response, package = _get(client, "ocds_procedure_releases", call_id=done.procedure.pk)
    first = package["releases"][0]
    first["tender"]["status"] = "open"  # not in the closed tenderStatus codelist
    first["tender"]["sealedTitle"] = "x"
    del first["initiationType"]
    found = validate(package)
    assert found["validation_errors"]
    assert "open" in json.dumps(found["additional_closed_codelist_values"])
    assert [f["field"] for f in found["additional_fields"]] == ["sealedTitle"]
