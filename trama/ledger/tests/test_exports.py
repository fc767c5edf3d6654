"""Exports of a program's entries and figures: every matching row, safe cells, bounded queries.

Entries and figures are public, so exports are too. Headers are not asserted (the Italian
catalogue comes later): columns are read by position (see `exports.entry_header`).
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trama.ledger import services
from trama.ledger.models import LedgerEntry, Measure

pytestmark = pytest.mark.django_db
D = Decimal
ID, YEAR, KIND, SOURCE, CONTRIBUTOR, TAX_CODE = 0, 2, 3, 4, 6, 7
AMOUNT, SIGNED, QUANTITY, STATE, REVERSES, REASON, DESCRIPTION, RECORDED = (
    11,
    12,
    13,
    17,
    18,
    19,
    20,
    21,
)
FORMULA = '=HYPERLINK("http://x")'


def record(program, by, contributor, source="OWN_RESOURCES", amount="10.00", **extra):
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


def add_entries(personas, program, count, start=0):
    for i in range(start, start + count):
        record(program, personas.tom, personas.coop, amount=f"{i + 1}.00", year=2016 + i % 5)


@pytest.fixture
def ledger(personas, program):
    """62 entries: more than a page of the list (50)."""
    p = personas
    add_entries(p, program, 55)
    named = {
        "public": record(program, p.alice, p.comune, "PUBLIC_OWNER", "1000.00", year=2018),
        "pledge": record(program, p.tom, p.consortium, kind="PLEDGE", amount="300.00"),
        "formula": record(program, p.tom, p.coop, amount="1234.56", description=FORMULA),
        "grant": record(program, p.tom, p.coop, "FOUNDATION_GRANT", "500.00", funder=p.foundation),
    }
    named["accepted"] = record(program, p.tom, p.consortium, amount="70.00")
    services.verify_entry(named["accepted"], by=p.alice, accept=True)
    named["reversal"] = services.reverse_entry(named["accepted"], by=p.tom, reason="-2+3 doppio")
    return named


def export(client, program, fmt, **params):
    response = client.get(reverse("ledger:entries_export", args=[program.slug, fmt]), params)
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows())


def test_the_csv_export_holds_every_entry_not_one_page(program, ledger, client):
    response, data = export(client, program, "csv")  # anonymous: entries are public
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="welfare-comunitario')
    rows = csv_rows(data)
    ids = [int(r[ID]) for r in rows[1:]]
    assert ids == sorted(LedgerEntry.objects.values_list("pk", flat=True)) and len(ids) == 61


def test_the_xlsx_export_holds_every_entry_not_one_page(program, ledger, client):
    response, data = export(client, program, "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(data)
    assert [r[ID].value for r in rows[1:]] == sorted(
        LedgerEntry.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "PLEDGE"},
        {"source": "PUBLIC_OWNER"},
        {"source": "ADDITIONAL", "year": "2017"},
        {"state": "accepted"},
        {"state": "pending", "year_from": "2019"},
        {"contributor": "consortium"},
        {"year": "dieci", "kind": "PLEDGE"},  # a malformed filter is ignored, as on the list
    ],
)
def test_the_export_holds_what_the_list_shows(personas, program, ledger, client, params):
    if "contributor" in params:
        params["contributor"] = getattr(personas, params["contributor"]).pk
    listed = client.get(reverse("ledger:entries", args=[program.slug]), params).content.decode()
    listed_ids = sorted(int(n) for n in re.findall(r'<tr data-entry="(\d+)"', listed))
    assert 0 < len(listed_ids) < 50  # one page of the list, so it shows them all
    _response, data = export(client, program, "csv", **params)
    assert sorted(int(r[ID]) for r in csv_rows(data)[1:]) == listed_ids
    _response, data = export(client, program, "xlsx", **params)
    assert sorted(r[ID].value for r in xlsx_rows(data)[1:]) == listed_ids


def test_formula_cells_are_neutralised_and_amounts_stay_numbers(program, ledger, client):
    formula, reversal = ledger["formula"], ledger["reversal"]
    _response, data = export(client, program, "csv")
    rows = {int(r[ID]): r for r in csv_rows(data)[1:]}
    assert rows[formula.pk][DESCRIPTION] == "'" + FORMULA
    assert rows[formula.pk][AMOUNT] == "1234,56"
    assert rows[reversal.pk][REASON] == "'-2+3 doppio"
    assert rows[reversal.pk][SIGNED] == "-70,00"  # a number, left alone
    assert rows[reversal.pk][REVERSES] == str(ledger["accepted"].pk)

    _response, data = export(client, program, "xlsx")
    cells = {r[ID].value: r for r in xlsx_rows(data)[1:]}
    description = cells[formula.pk][DESCRIPTION]
    assert description.value == "'" + FORMULA and description.data_type == "s"
    amount = cells[formula.pk][AMOUNT]
    assert amount.data_type == "n" and D(str(amount.value)) == D("1234.56")
    assert amount.number_format == "#,##0.00"
    signed = cells[reversal.pk][SIGNED]
    assert signed.data_type == "n" and signed.value == -70
    assert cells[reversal.pk][REASON].value == "'-2+3 doppio"
    assert cells[formula.pk][YEAR].data_type == "n"
    assert cells[formula.pk][RECORDED].is_date


def test_states_are_those_of_the_figures(program, ledger, client):
    _response, data = export(client, program, "xlsx")
    states = {r[ID].value: r[STATE].value for r in xlsx_rows(data)[1:]}
    labels = dict(Measure.choices)
    assert states[ledger["pledge"].pk] == labels[Measure.PLEDGED]
    assert states[ledger["public"].pk] == labels[Measure.ACCEPTED]
    assert states[ledger["formula"].pk] == labels[Measure.PENDING]
    # A reversal counts where the entry it cancels counts.
    assert states[ledger["reversal"].pk] == labels[Measure.ACCEPTED]


def _queries(client, program, fmt) -> int:
    with CaptureQueriesContext(connection) as queries:
        export(client, program, fmt, kind="ACTUAL")
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_takes_the_same_few_queries_for_any_number_of_rows(
    personas, program, client_for, fmt, django_assert_max_num_queries
):
    client = client_for(personas.alice)  # signed in: memberships are read too
    add_entries(personas, program, 60)
    with django_assert_max_num_queries(8):
        few = _queries(client, program, fmt)
    add_entries(personas, program, 90, start=60)
    assert _queries(client, program, fmt) == few


def test_the_figures_export(personas, program, ledger, client):
    url = reverse("ledger:entries_export", args=[program.slug, "csv"])
    response = client.get(url, {"view": "figures"})
    assert response.status_code == 200
    rows = csv_rows(b"".join(response.streaming_content))
    values = [r[2] for r in rows[1:]]
    assert "1000,00" in values  # public resources, accepted
    assert "500,00" not in values  # the grant is still awaiting verification
    pledged = client.get(url, {"view": "figures", "basis": "pledged"})
    assert "300,00" in b"".join(pledged.streaming_content).decode()

    xlsx = client.get(url.replace(".csv", ".xlsx"), {"view": "figures", "year_from": "2018"})
    rows = xlsx_rows(b"".join(xlsx.streaming_content))
    numbers = [r[2].value for r in rows[1:] if r[2].data_type == "n"]
    assert 1000 in numbers and all(isinstance(n, int | float) for n in numbers)
    assert client.get(url, {"view": "figures", "year_from": "x"}).status_code == 400


def test_an_empty_program_exports_a_header_and_no_data(program, client):
    _response, data = export(client, program, "csv")
    assert len(csv_rows(data)) == 1
    url = reverse("ledger:entries_export", args=[program.slug, "xlsx"])
    rows = xlsx_rows(b"".join(client.get(url, {"view": "figures"}).streaming_content))
    assert len(rows) == 3  # header, basis, "no data": not zero per cent


def test_unknown_formats_and_programs_are_not_found(program, client):
    assert (
        client.get(reverse("ledger:entries_export", args=[program.slug, "pdf"])).status_code == 404
    )
    assert client.get(reverse("ledger:entries_export", args=["nessuno", "csv"])).status_code == 404
