"""The agreement's drafting, the table's plan, cancelling and the art. 27 publication in the
API: the same services and access rules as the pages, refusals as stable JSON codes."""

import pytest

from trama.agreements.models import Agreement, Clause, Party, PlanLine, Target
from trama.agreements.tests.support_agreement import adopt, drafted, table_procedure
from trama.agreements.tests.support_coproduction import signed_agreement
from trama.ledger.models import LedgerEntry
from trama.procedures.models import Procedure

pytestmark = pytest.mark.django_db


def post(client, url, headers, body=None):
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def code(response):
    return response.status_code, response.json()["error"]["code"]


def test_the_rup_starts_the_agreement_once_the_project_is_adopted(personas, client, token_for):
    procedure = table_procedure(personas)
    url = f"/api/v1/calls/{procedure.pk}/agreement"
    alice, eve = token_for(personas.alice, "write"), token_for(personas.eve, "write")
    body = {"object": "Servizi per l'abitare", "starts_on": "2026-07-01", "ends_on": "2027-06-30"}

    assert code(post(client, url, alice, body)) == (403, "forbidden")  # not adopted yet
    adopt(personas, procedure)
    assert code(post(client, url, eve, body)) == (403, "forbidden")  # an officer, not the RUP
    read_only = post(client, url, token_for(personas.alice, "read"), body)
    assert read_only.status_code == 403
    assert not Agreement.objects.exists()

    started = post(client, url, alice, {**body, "governance": "Cabina di regia"})

    assert started.status_code == 201
    data = started.json()
    assert data["call"] == procedure.pk and data["object"] == "Servizi per l'abitare"
    assert data["ends_on"] == "2027-06-30" and data["governance"] == "Cabina di regia"
    assert [(p["organization"], p["role"]) for p in data["parties"]] == [
        ("consorzio-lario", "LEAD"),
        ("cooperativa-arcobaleno", "PARTNER"),
        ("comune-di-lecco", "PUBLIC_BODY"),
    ]
    assert Agreement.objects.get(procedure=procedure).pk == data["id"]
    assert code(post(client, url, alice, body)) == (409, "already_drafted")


def test_the_rup_edits_the_draft_and_nobody_else_does(personas, client, token_for):
    agreement = drafted(personas)
    base = f"/api/v1/agreements/{agreement.pk}"
    alice, tom = token_for(personas.alice, "write"), token_for(personas.tom, "write")
    oscar = token_for(personas.oscar, "write")

    # The agreement's text: only the fields sent change; the dates stay in order.
    assert post(client, f"{base}/update", oscar, {"object": "X"}).status_code == 404
    assert code(post(client, f"{base}/update", tom, {"object": "X"})) == (403, "forbidden")
    changed = post(client, f"{base}/update", alice, {"object": "Abitare", "ends_on": "2027-12-31"})
    assert changed.status_code == 200
    assert (changed.json()["object"], changed.json()["ends_on"]) == ("Abitare", "2027-12-31")
    agreement.refresh_from_db()
    assert agreement.object == "Abitare" and agreement.governance == "Cabina di regia trimestrale."
    backwards = post(client, f"{base}/update", alice, {"ends_on": "2026-01-01"})
    assert backwards.status_code == 400 and "ends_on" in backwards.json()["error"]["fields"]
    empty = post(client, f"{base}/update", alice, {"object": "  "})
    assert empty.status_code == 400 and "object" in empty.json()["error"]["fields"]
    agreement.refresh_from_db()
    assert str(agreement.ends_on) == "2027-12-31" and agreement.object == "Abitare"

    # A target, by the period's number; a second value replaces the first.
    indicator = agreement.indicators.get()
    targets = f"{base}/indicators/{indicator.pk}/targets"
    assert code(post(client, targets, tom, {"period": 2, "value": "12"})) == (403, "forbidden")
    target = post(client, targets, alice, {"period": 2, "value": "12.5"})
    assert target.status_code == 200
    assert target.json() == {"indicator": indicator.pk, "period": 2, "value": "12.50"}
    assert post(client, targets, alice, {"period": 2, "value": 15}).status_code == 200
    assert Target.objects.get(indicator=indicator, period__number=2).value == 15
    assert code(post(client, targets, alice, {"period": 9, "value": "1"})) == (
        400,
        "unknown_period",
    )
    assert code(post(client, targets, alice, {"period": 1, "value": "1.005"})) == (
        400,
        "too_many_decimals",
    )
    unknown = post(client, f"{base}/indicators/999999/targets", alice, {"period": 1, "value": 1})
    assert unknown.status_code == 404
    assert Target.objects.filter(indicator=indicator).count() == 2

    # Removing a part.
    clause = Clause.objects.get(agreement=agreement)
    remove = f"{base}/parts/clause/{clause.pk}/remove"
    assert code(post(client, remove, tom)) == (403, "forbidden")
    removed = post(client, remove, alice)
    assert removed.status_code == 200
    assert removed.json() == {"part": "clause", "id": clause.pk, "removed": True}
    assert not Clause.objects.filter(agreement=agreement).exists()
    assert code(post(client, remove, alice)) == (400, "invalid")  # already gone
    assert post(client, f"{base}/parts/party/{clause.pk}/remove", alice).status_code == 422
    first = agreement.periods.get(number=1)
    earlier = post(client, f"{base}/parts/period/{first.pk}/remove", alice)
    assert earlier.status_code == 400
    assert agreement.periods.count() == 2


def test_parties_are_edited_by_the_rup_and_their_representative_by_their_admins(
    personas, client, token_for
):
    agreement = drafted(personas)
    coop = agreement.parties.get(organization=personas.coop)
    public = agreement.parties.get(role=Party.Role.PUBLIC_BODY)
    url = f"/api/v1/agreements/{agreement.pk}/parties/{coop.pk}"
    alice, tom = token_for(personas.alice, "write"), token_for(personas.tom, "write")

    by_rup = post(client, f"{url}/update", alice, {"office": "Politiche abitative"})
    assert by_rup.status_code == 200 and by_rup.json()["office"] == "Politiche abitative"
    by_admin = post(
        client,
        f"{url}/update",
        tom,
        {"representative_name": "Paola Sala", "representative_tax_code": "slapla80c41e507z"},
    )
    assert by_admin.status_code == 200
    assert by_admin.json()["representative_tax_code"] == "SLAPLA80C41E507Z"
    assert code(post(client, f"{url}/update", tom, {"office": "Altro"})) == (403, "forbidden")
    member = post(client, f"{url}/update", token_for(personas.pat, "write"), {"office": "X"})
    assert member.status_code == 403
    blank = post(client, f"{url}/update", alice, {"representative_name": ""})
    assert blank.status_code == 422
    coop.refresh_from_db()
    assert (coop.office, coop.representative_name) == ("Politiche abitative", "Paola Sala")

    # Leaving: the RUP's act; the public body stays.
    assert code(post(client, f"{url}/withdraw", tom)) == (403, "forbidden")
    left = post(client, f"{url}/withdraw", alice)
    assert left.status_code == 200 and left.json()["active"] is False
    assert code(post(client, f"{url}/withdraw", alice)) == (400, "invalid")
    own = f"/api/v1/agreements/{agreement.pk}/parties/{public.pk}/withdraw"
    assert post(client, own, alice).status_code == 400
    assert list(agreement.parties.filter(active=False)) == [coop]
    unknown = post(client, f"/api/v1/agreements/{agreement.pk}/parties/999999/withdraw", alice)
    assert unknown.status_code == 404


def test_the_rup_cancels_at_the_table_with_a_reason(personas, client, token_for):
    agreement = drafted(personas)
    url = f"/api/v1/agreements/{agreement.pk}/cancel"
    alice = token_for(personas.alice, "write")

    assert code(post(client, url, token_for(personas.tom, "write"), {"reason": "No"})) == (
        403,
        "forbidden",
    )
    no_reason = post(client, url, alice, {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    cancelled = post(client, url, alice, {"reason": "Risorse non più disponibili"})

    assert cancelled.status_code == 200
    assert cancelled.json() == {"call": agreement.procedure_id, "state": "CANCELLED"}
    procedure = Procedure.objects.get(pk=agreement.procedure_id)
    assert procedure.state == "CANCELLED"
    # The pledges recorded at the ranking are reversed.
    assert LedgerEntry.objects.filter(procedure=procedure, reverses__isnull=False).count() == 2

    signed = signed_agreement(personas, title="In corso")
    late = post(client, f"/api/v1/agreements/{signed.agreement.pk}/cancel", alice, {"reason": "X"})
    assert late.status_code == 400
    assert Procedure.objects.get(pk=signed.procedure.pk).state == "IN_PROGRESS"


def test_the_rup_records_the_art27_publication_once_the_data_is_complete(
    personas, client, token_for
):
    co = signed_agreement(personas)
    url = f"/api/v1/agreements/{co.agreement.pk}/parties/{co.partner.pk}/publication"
    alice = token_for(personas.alice, "write")

    assert code(post(client, url, token_for(personas.tom, "write"))) == (403, "forbidden")
    incomplete = post(client, url, alice)  # no legal basis, office, official, method
    assert incomplete.status_code == 400
    assert Party.objects.get(pk=co.partner.pk).published_at is None
    Party.objects.filter(pk=co.partner.pk).update(
        legal_basis="Art. 55 D.Lgs. 117/2017",
        office="Servizi sociali",
        official="Alice Rossi",
        selection_method="Avviso pubblico",
    )

    published = post(client, url, alice)

    assert published.status_code == 200 and published.json()["published_at"]
    assert Party.objects.get(pk=co.partner.pk).published_at is not None
    assert code(post(client, url, alice)) == (400, "already_published")


def test_each_body_enters_and_removes_its_own_plan_lines(personas, client, token_for):
    procedure = table_procedure(personas)
    url = f"/api/v1/calls/{procedure.pk}/plan/lines"
    alice, tom = token_for(personas.alice, "write"), token_for(personas.tom, "write")
    line = {
        "contributor": "consorzio-lario",
        "source": "OWN_RESOURCES",
        "category": "ECONOMIC",
        "year": 2026,
        "description": "Cofinanziamento",
        "amount": "1500.50",
    }

    assert post(client, url, token_for(personas.oscar, "write"), line).status_code == 404
    added = post(client, url, tom, line)
    assert added.status_code == 201
    assert added.json()["amount"] == "1500.50" and added.json()["contributor"] == "consorzio-lario"
    hours = post(
        client,
        url,
        tom,
        {
            **line,
            "contributor": "cooperativa-arcobaleno",
            "category": "PROFESSIONAL",
            "amount": None,
            "quantity": "10",
            "unit": "HOUR",
            "unit_value": "22.50",
        },
    )
    assert hours.status_code == 201 and hours.json()["amount"] == "225.00"
    public = {**line, "contributor": "comune-di-lecco", "source": "PUBLIC_OWNER"}
    assert code(post(client, url, tom, public)) == (403, "forbidden")
    assert post(client, url, alice, public).status_code == 201
    assert code(post(client, url, tom, {**line, "amount": "10.005"})) == (400, "too_many_decimals")
    assert code(post(client, url, tom, {**line, "contributor": "nessuno"})) == (
        400,
        "unknown_organization",
    )
    assert PlanLine.objects.filter(procedure=procedure).count() == 3

    public_line = PlanLine.objects.get(procedure=procedure, source="PUBLIC_OWNER")
    assert code(post(client, f"{url}/{public_line.pk}/remove", tom)) == (403, "forbidden")
    removed = post(client, f"{url}/{added.json()['id']}/remove", tom)
    assert removed.status_code == 200
    assert sorted(row["amount"] for row in removed.json()) == ["1500.50", "225.00"]
    assert not PlanLine.objects.filter(pk=added.json()["id"]).exists()
    assert post(client, f"{url}/{added.json()['id']}/remove", tom).status_code == 404
