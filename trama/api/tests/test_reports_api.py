"""The co-production API: the same refusals as the pages, as JSON errors."""

import base64
import hashlib
from decimal import Decimal

import pytest

from trama.agreements.models import Payment, Report, ReportLine
from trama.agreements.services import reports
from trama.agreements.tests.support_coproduction import signed_agreement
from trama.ledger.models import LedgerEntry
from trama.procedures.models import Procedure

pytestmark = pytest.mark.django_db
J = "application/json"


def test_the_co_production_acts_refuse_bad_input_with_stable_codes(
    personas, program, client, token_for
):
    co = signed_agreement(personas, program=program)
    base = f"/api/v1/agreements/{co.agreement.pk}"
    tom, alice = token_for(personas.tom, "write"), token_for(personas.alice, "write")

    outside = client.post(f"{base}/reports/9/submit", headers=tom)
    assert outside.status_code == 400
    assert outside.json()["error"]["code"] == "period_outside_agreement"

    report = reports.open_report(co.agreement, co.first, by=personas.tom)
    reports.save_report(report, by=personas.tom, activities="Attività", public_summary="")
    assert client.post(f"{base}/reports/1/submit", headers=tom).status_code == 200
    twice = client.post(f"{base}/reports/1/submit", headers=tom)
    assert twice.status_code == 400
    assert twice.json()["error"]["code"] == "already_submitted"

    body = {"accept": True}
    refused = client.post(f"{base}/reports/1/verify", data=body, content_type=J, headers=tom)
    assert refused.status_code == 403
    assert (
        client.post(
            f"{base}/reports/1/verify", data=body, content_type=J, headers=alice
        ).status_code
        == 200
    )
    again = client.post(f"{base}/reports/1/verify", data=body, content_type=J, headers=alice)
    assert again.status_code == 409
    assert Report.objects.get().state == Report.State.ACCEPTED

    pay = {"paid_on": "2019-03-01", "amount": "5000.00", "order_number": "M-9"}
    early = client.post(
        f"{base}/tranches/{co.balance.pk}/payment", data=pay, content_type=J, headers=alice
    )
    assert early.json()["error"]["code"] == "condition_not_met"
    paid = client.post(
        f"{base}/tranches/{co.intermediate.pk}/payment", data=pay, content_type=J, headers=alice
    )
    assert paid.status_code == 201 and paid.json()["amount"] == "5000.00"
    twice = client.post(
        f"{base}/tranches/{co.intermediate.pk}/payment", data=pay, content_type=J, headers=alice
    )
    assert twice.json()["error"]["code"] == "already_paid"
    assert Payment.objects.count() == 1

    close = {"act_number": "1", "act_date": "2020-03-01", "reasons": "Fine"}
    early = client.post(f"{base}/close", data=close, content_type=J, headers=alice)
    assert early.status_code == 400
    assert early.json()["error"]["code"] == "final_report_missing"


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type=J, headers=headers)


def code(response):
    return response.status_code, response.json()["error"]["code"]


def test_the_lead_writes_the_report_and_each_party_its_own_resources(
    personas, program, client, token_for
):
    co = signed_agreement(personas, program=program)
    base = f"/api/v1/agreements/{co.agreement.pk}/reports/1"
    tom, pat = token_for(personas.tom, "write"), token_for(personas.pat, "write")
    body = {
        "activities": "Sportello aperto tre giorni a settimana.",
        "public_summary": "Lo sportello è aperto.",
        "indicator_values": [{"indicator": co.indicator.pk, "value": "42"}],
        "beneficiaries": [
            {"group": "FAMILIES", "count": 12},
            {"group": "OTHER", "label": "studenti dei corsi serali", "count": 5},
        ],
    }

    # Only the lead opens and writes the report; outsiders read no contents.
    assert code(post(client, base, pat, body)) == (403, "forbidden")
    assert code(post(client, base, token_for(personas.oscar, "write"), body)) == (
        403,
        "forbidden",
    )
    assert not Report.objects.exists()
    saved = post(client, base, tom, body)
    assert saved.status_code == 200
    assert (saved.json()["period"], saved.json()["state"]) == (1, "DRAFT")
    report = Report.objects.get()
    assert report.activities == "Sportello aperto tre giorni a settimana."
    assert report.indicator_values.get().value == 42
    assert sorted((b.group, b.count) for b in report.beneficiaries.all()) == [
        ("FAMILIES", 12),
        ("OTHER:studenti dei corsi serali", 5),
    ]
    twice = post(client, base, tom, {"beneficiaries": [{"group": "FAMILIES", "count": 1}] * 2})
    assert code(twice) == (400, "duplicate_group")
    assert code(post(client, base, tom, {"beneficiaries": [{"group": "PETS", "count": 1}]})) == (
        400,
        "invalid_group",
    )
    outside = post(client, f"/api/v1/agreements/{co.agreement.pk}/reports/9", tom, body)
    assert code(outside) == (400, "period_outside_agreement")
    assert report.beneficiaries.count() == 2

    # Resource lines: each body its own, with evidence if it has some.
    line = {
        "contributor": "cooperativa-arcobaleno",
        "source": "OWN_RESOURCES",
        "category": "ORGANISATIONAL",
        "year": 2018,
        "description": "Sala riunioni",
        "amount": "1200.00",
        "evidence_name": "ricevuta.pdf",
        "evidence_base64": base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode(),
    }
    lines = f"{base}/lines"
    added = post(client, lines, pat, line)
    assert added.status_code == 201
    assert added.json()["amount"] == "1200.00" and added.json()["entry"] is None
    kept = ReportLine.objects.get(pk=added.json()["id"])
    assert kept.evidence_sha256 == hashlib.sha256(b"%PDF-1.7\n%%EOF\n").hexdigest()
    lead_line = {**line, "contributor": "consorzio-lario"}
    del lead_line["evidence_name"], lead_line["evidence_base64"]
    assert code(post(client, lines, pat, lead_line)) == (403, "forbidden")
    assert code(post(client, lines, pat, {**line, "year": 2019})) == (400, "year_outside_period")
    assert code(post(client, lines, pat, {**line, "evidence_base64": "%%%"})) == (
        400,
        "invalid_base64",
    )
    assert code(post(client, lines, pat, {**line, "evidence_name": "ricevuta.exe"})) == (
        400,
        "file_type",
    )
    other = post(client, lines, tom, lead_line)
    assert other.status_code == 201
    assert ReportLine.objects.count() == 2

    # Correcting and removing a draft line: its own body's members only.
    fix = f"{lines}/{kept.pk}/update"
    corrected = post(client, fix, pat, {**lead_line, "contributor": "cooperativa-arcobaleno"})
    assert corrected.status_code == 200 and corrected.json()["amount"] == "1200.00"
    kept.refresh_from_db()
    assert kept.evidence_sha256  # no new file: the evidence stays
    raised = post(client, fix, pat, {**line, "amount": "1300.00"})
    assert raised.status_code == 200 and raised.json()["amount"] == "1300.00"
    theirs = f"{lines}/{other.json()['id']}"
    assert code(post(client, f"{theirs}/update", pat, lead_line)) == (403, "forbidden")
    assert code(post(client, f"{theirs}/remove", pat)) == (403, "forbidden")
    assert post(client, f"{lines}/999999/remove", pat).status_code == 404
    removed = post(client, f"{theirs}/remove", tom)
    assert removed.status_code == 200
    assert [row["id"] for row in removed.json()["lines"]] == [kept.pk]
    assert ReportLine.objects.get().amount == Decimal("1300.00")

    # Once submitted, nothing in it changes.
    reports.submit_report(report, by=personas.tom)
    assert code(post(client, fix, pat, line)) == (400, "already_submitted")
    assert code(post(client, f"{lines}/{kept.pk}/remove", pat)) == (400, "already_submitted")
    assert code(post(client, base, tom, body)) == (400, "already_submitted")


def test_the_rup_terminates_an_agreement_with_its_reasons(personas, program, client, token_for):
    co = signed_agreement(personas, program=program)
    url = f"/api/v1/agreements/{co.agreement.pk}/terminate"
    alice = token_for(personas.alice, "write")
    body = {"reasons": "Il servizio non è più sostenibile", "act_number": "DD 9/2019"}

    assert code(post(client, url, token_for(personas.tom, "write"), body)) == (403, "forbidden")
    no_reasons = post(client, url, alice, {"reasons": " "})
    assert no_reasons.status_code == 400 and "reasons" in no_reasons.json()["error"]["fields"]
    future = post(client, url, alice, {**body, "act_date": "2999-01-01"})
    assert code(future) == (400, "future_date")

    ended = post(client, url, alice, body)

    assert ended.status_code == 200
    assert (ended.json()["id"], ended.json()["state"]) == (co.agreement.pk, "TERMINATED")
    co.agreement.refresh_from_db()
    assert co.agreement.closing_act_number == "DD 9/2019"
    assert Procedure.objects.get(pk=co.procedure.pk).state == "TERMINATED"
    # No actual was accepted: the three pledges are reversed.
    assert LedgerEntry.objects.filter(procedure=co.procedure, reverses__isnull=False).count() == 3
    assert post(client, url, alice, body).status_code == 400
