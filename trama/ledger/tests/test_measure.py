"""Where an entry counts — its measure — is one rule: pages, API, exports and figures agree.

A mixed ledger holds pledges, accepted, pending and rejected actuals, grants disputed by the
funder, and reversals of each; every interface must put each entry, and so each euro, in
the same measure.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from trama.ledger import services
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.measure import current_measure, measure_for, measure_sql, with_measure
from trama.ledger.models import LedgerEntry, Level, Measure

pytestmark = pytest.mark.django_db
D = Decimal
# Columns of the entry export (exports.entry_header), read by position.
SIGNED, STATE = 12, 17

# Signed totals per measure of the `mixed` ledger, worked out by hand.
EXPECTED = {
    "pledged": D("2300.00"),  # 2000 + 300 + (50 - 50 reversed)
    "accepted": D("1150.00"),  # 1000 public + 150 own + (40 - 40 reversed)
    "pending": D("570.00"),  # 70 + a 500 grant disputed before any verification
    "rejected": D("30.00"),  # 30 + (25 - 25 reversed)
    "disputed": D("200.00"),  # a 200 grant + (60 - 60 reversed)
}


def record(program, by, contributor, amount, source="OWN_RESOURCES", **extra):
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


@pytest.fixture
def mixed(personas, program):
    p = personas
    grant = {"source": "FOUNDATION_GRANT", "funder": p.foundation}

    def reversed_(entry):
        services.reverse_entry(entry, by=p.tom, reason="Registrata due volte")

    record(program, p.tom, p.coop, "2000.00", kind="PLEDGE")
    record(program, p.tom, p.consortium, "300.00", kind="PLEDGE", source="PRIVATE_DONATIONS")
    reversed_(record(program, p.tom, p.coop, "50.00", kind="PLEDGE"))

    record(program, p.alice, p.comune, "1000.00", source="PUBLIC_OWNER")  # accepted at once
    for amount, then_reverse in (("150.00", False), ("40.00", True)):
        entry = record(program, p.tom, p.coop, amount)
        services.verify_entry(entry, by=p.alice, accept=True)
        if then_reverse:
            reversed_(entry)

    record(program, p.tom, p.consortium, "70.00", year=2018)
    early = record(program, p.tom, p.coop, "500.00", **grant)
    services.confirm_grant(early, by=p.fiona, confirmed=False, reason="Importo diverso")

    for amount, then_reverse in (("30.00", False), ("25.00", True)):
        entry = record(program, p.tom, p.coop, amount)
        services.verify_entry(entry, by=p.alice, accept=False, reason="Nessuna fattura")
        if then_reverse:
            reversed_(entry)

    for amount, then_reverse in (("200.00", False), ("60.00", True)):
        entry = record(program, p.tom, p.coop, amount, **grant)
        services.verify_entry(entry, by=p.alice, accept=True)
        services.confirm_grant(entry, by=p.fiona, confirmed=False, reason="Mai erogato")
        if then_reverse:
            reversed_(entry)
    assert LedgerEntry.objects.count() == 16


def _page_total(client, program, **query) -> Decimal:
    response = client.get(reverse("ledger:entries", args=[program.slug]), query)
    assert response.status_code == 200
    return D(re.search(r'data-total="([-\d.]+)"', response.content.decode()).group(1))


def _api_total(client, program, **query) -> Decimal:
    url = f"/api/v1/programs/{program.slug}/entries"
    response = client.get(url, {"limit": 100, **query})
    assert response.status_code == 200, response.content
    listed = response.json()["items"]
    expected = query.get("measure") or query.get("state")
    assert {(entry["measure"], entry["state"]) for entry in listed} == {(expected, expected)}
    return sum((D(entry["signed_amount"]) for entry in listed), D("0.00"))


def _csv(client, program, **query) -> list[list[str]]:
    url = reverse("ledger:entries_export", args=[program.slug, "csv"])
    response = client.get(url, query)
    assert response.status_code == 200
    data = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data), delimiter=";"))[1:]


def _amount(cell: str) -> Decimal:
    return D(cell.replace(",", "."))


def test_pages_api_exports_and_figures_agree_on_every_measure(mixed, program, client):
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    labels = {str(label): code.lower() for code, label in Measure.choices}
    exported = {measure: D("0.00") for measure in EXPECTED}
    for row in _csv(client, program):
        exported[labels[row[STATE]]] += _amount(row[SIGNED])

    for measure, expected in EXPECTED.items():
        assert getattr(figures, measure) == expected, measure
        assert exported[measure] == expected, measure
        assert _page_total(client, program, measure=measure) == expected, measure
        assert _api_total(client, program, measure=measure) == expected, measure
        filtered = _csv(client, program, measure=measure)
        assert sum((_amount(row[SIGNED]) for row in filtered), D("0.00")) == expected, measure
        # Links and clients written before the concept had one name say `state`.
        assert _page_total(client, program, state=measure) == expected, measure
        assert _api_total(client, program, state=measure) == expected, measure


def test_every_entry_has_one_measure_in_python_in_the_orm_and_in_sql(mixed):
    annotated = dict(with_measure(LedgerEntry.objects.all()).values_list("pk", "measure"))
    python = {entry.pk: current_measure(entry) for entry in LedgerEntry.objects.all()}
    # The fragment the set-based roll-up build uses, over the original entry's latest events.
    sql = f"""
        SELECT x.id, {measure_sql(kind="x.kind", source="x.source", verification="x.v", confirmation="x.c")}
        FROM (SELECT e.id, e.kind, e.source,
                (SELECT status FROM ledger_verification
                 WHERE entry_id = coalesce(e.reverses_id, e.id) ORDER BY id DESC LIMIT 1) AS v,
                (SELECT status FROM ledger_funderconfirmation
                 WHERE entry_id = coalesce(e.reverses_id, e.id) ORDER BY id DESC LIMIT 1) AS c
              FROM ledger_ledgerentry e) AS x
    """  # noqa: S608, E501
    with connection.cursor() as cursor:
        cursor.execute(sql)
        in_sql = dict(cursor.fetchall())

    assert annotated == python == in_sql
    assert set(python.values()) == set(Measure.values)


@pytest.mark.parametrize(
    ("kind", "source", "verification", "confirmation", "measure"),
    [
        ("PLEDGE", "OWN_RESOURCES", None, None, Measure.PLEDGED),
        ("PLEDGE", "FOUNDATION_GRANT", None, "DISPUTED", Measure.PLEDGED),
        ("ACTUAL", "OWN_RESOURCES", None, None, Measure.PENDING),
        ("ACTUAL", "OWN_RESOURCES", "PENDING", None, Measure.PENDING),
        ("ACTUAL", "OWN_RESOURCES", "ACCEPTED", None, Measure.ACCEPTED),
        ("ACTUAL", "OWN_RESOURCES", "REJECTED", None, Measure.REJECTED),
        ("ACTUAL", "FOUNDATION_GRANT", "ACCEPTED", "CONFIRMED", Measure.ACCEPTED),
        ("ACTUAL", "FOUNDATION_GRANT", "ACCEPTED", "DISPUTED", Measure.DISPUTED),
        ("ACTUAL", "FOUNDATION_GRANT", "PENDING", "DISPUTED", Measure.PENDING),
        ("ACTUAL", "FOUNDATION_GRANT", "REJECTED", "DISPUTED", Measure.REJECTED),
    ],
)
def test_the_rule(kind, source, verification, confirmation, measure):
    assert measure_for(kind, source, verification, confirmation) == measure
