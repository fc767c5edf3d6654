"""Bulk import of a program's ledger from XLSX or CSV: dry run, all-or-nothing, idempotent.

alice administers the verified Comune di Lecco, which owns the 2016–2020 program; eve is a
member there; tom administers the consortium and the coop; oscar belongs to nothing.
Wording is not asserted (the Italian catalogue comes later): problems are checked by line
and column.
"""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for, verify_chain
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.imports import reading
from trama.ledger.imports import run as import_run
from trama.ledger.models import ImportBatch, LedgerEntry, LedgerTotal, Level, Verification
from trama.ledger.rebuild import check_rollups
from trama.lib.numbers import AMOUNT, parse_number
from trama.procedures.services import record_historical_procedure

pytestmark = pytest.mark.django_db
D = Decimal
ANONYMOUS = None

HEADER = [
    "external_id",
    "kind",
    "category",
    "source",
    "contributor_tax_code",
    "year",
    "amount",
    "quantity",
    "unit",
    "unit_value",
    "funder_tax_code",
    "grant_reference",
    "procedure",
    "description",
]
COMUNE, COOP, CONSORTIUM, FOUNDATION = "00623530136", "01590830137", "05260180137", "06281940137"


def row(external_id, kind="ACTUAL", source="OWN_RESOURCES", contributor=COOP, **cells):
    values = {
        "external_id": external_id,
        "kind": kind,
        "category": "ECONOMIC",
        "source": source,
        "contributor_tax_code": contributor,
        "year": 2017,
        **cells,
    }
    return [values.get(name, "") for name in HEADER]


def csv_file(rows, delimiter=";", header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_file(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = [
    row("P-1", source="PUBLIC_OWNER", contributor=COMUNE, amount="1.000,00"),
    row("O-1", amount="150,50", description="Quota di cofinanziamento"),
    row(
        "H-1",
        kind="PLEDGE",
        category="PROFESSIONAL",
        quantity="10",
        unit="hour",
        unit_value="22,50",
    ),
    row(
        "G-1",
        source="FOUNDATION_GRANT",
        amount="500",
        funder_tax_code=FOUNDATION,
        grant_reference="Bando Welfare 2017",
    ),
]


def run(program, by, data, name="risorse.csv", dry_run=False):
    return import_run.run_import(program, by=by, data=data, file_name=name, dry_run=dry_run)


def problems(report) -> dict:
    return {e["line"]: sorted(column for column, _message in e["problems"]) for e in report.errors}


def nothing_saved(*, uploads=0):
    """No entry, roll-up or import event; `uploads` files kept by the wizard, none imported."""
    return (
        not LedgerEntry.objects.exists()
        and ImportBatch.objects.count() == uploads
        and not ImportBatch.objects.filter(status=ImportBatch.Status.DONE).exists()
        and not LedgerTotal.objects.exists()
        and not AuditEvent.objects.filter(action="ledger.imported").exists()
    )


MIXED = [
    GOOD[0],  # line 2
    row("bad-amount", amount="dieci"),  # 3: the service says it is not a number
    row("bad-org", contributor="12345678903"),  # 4: no such organisation
    GOOD[1],  # 5
    row("bad-source", source="PUBLIC_OWNER", amount="10"),  # 6: only the owner's own money
    row("bad-year", amount="10", year=2015),  # 7: outside 2016–2020
    row("bad-number", amount="1500.50"),  # 8: the dot groups thousands, in threes
    row("O-1", amount="12"),  # 9: same external id as line 5
    row("", amount="12"),  # 10: no external id
    row("bad-unit", quantity="3", unit="WEEK", unit_value="10"),  # 11
    row("bad-kind", kind="GIFT", amount="5", year="duemila"),  # 12: two service errors at once
]
MIXED_PROBLEMS = {
    3: ["amount"],
    4: ["contributor_tax_code"],
    6: ["source"],
    7: ["year"],
    8: ["amount"],
    9: ["external_id"],
    10: ["external_id"],
    11: ["unit"],
    12: ["year"],
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


def test_a_dry_run_reports_every_bad_line_and_saves_nothing(personas, program):
    report = run(program, personas.alice, csv_file(MIXED), dry_run=True)
    assert problems(report) == MIXED_PROBLEMS
    assert (report.rows, report.new, report.bad) == (11, 2, 9)
    assert all(message for e in report.errors for _column, message in e["problems"])
    assert nothing_saved()


def test_a_real_run_with_one_bad_row_saves_nothing(personas, program):
    report = run(program, personas.alice, csv_file([*GOOD, row("bad", amount="-5")]))
    assert problems(report) == {6: ["amount"]}
    assert report.batch_id is None
    assert nothing_saved()


def test_a_good_file_is_imported_once_and_a_rerun_skips_every_row(personas, program):
    p = personas
    data = csv_file(GOOD)
    report = run(program, p.alice, data, name="storico 2017.csv")
    assert report.ok and (report.rows, report.new, report.skipped) == (4, 4, 0)
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.rows, batch.created, batch.skipped) == (
        "storico 2017.csv",
        4,
        4,
        0,
    )
    assert batch.by == p.alice and len(batch.file_sha256) == 64
    entries = {e.external_id: e for e in LedgerEntry.objects.filter(import_batch=batch)}
    assert entries["P-1"].amount == D("1000.00") and entries["O-1"].amount == D("150.50")
    hours = entries["H-1"]
    assert (hours.quantity, hours.unit, hours.unit_value, hours.amount) == (
        D("10"),
        "HOUR",
        D("22.50"),
        D("225.00"),
    )
    assert entries["G-1"].funder == p.foundation
    # Imported actuals are accepted by the importing officer, citing the batch.
    for key in ("P-1", "O-1", "G-1"):
        verification = Verification.objects.get(entry=entries[key])
        assert verification.status == "ACCEPTED" and verification.import_batch == batch
        assert verification.by == p.alice
    event = AuditEvent.objects.get(action="ledger.imported")
    assert event.chain == chain_for(program) and event.object_id == str(batch.pk)
    assert event.data["created"] == 4 and event.data["sha256"] == batch.file_sha256
    assert verify_chain(chain_for(program)).ok
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    assert figures.public == D("1000.00") and figures.additional == D("650.50")
    assert check_rollups().ok

    again = run(program, p.alice, data, name="storico 2017.csv")
    assert again.ok and (again.rows, again.new, again.skipped) == (4, 0, 4)
    assert LedgerEntry.objects.count() == 4 and ImportBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="ledger.imported").count() == 1
    # A file that adds a row to the same ones imports only that row.
    more = run(program, p.alice, csv_file([*GOOD, row("O-2", amount="1")]))
    assert (more.new, more.skipped) == (1, 4) and LedgerEntry.objects.count() == 5


def test_xlsx_is_read_like_csv_with_numbers_as_numbers(personas, program):
    rows = [
        # Excel took the Comune's tax code for a number and dropped its leading zeros.
        row("P-1", source="PUBLIC_OWNER", contributor=int(COMUNE), amount=1234.56, year=2017.0),
        row("O-1", amount="1.234,56", year=2018),
        row("H-1", category="PROFESSIONAL", quantity=12, unit="DAY", unit_value=D("80.5")),
        [None] * len(HEADER),  # an empty row in the middle is not a row
        row("O-2", amount=10.125),  # a number cell with three decimals
    ]
    report = run(program, personas.alice, xlsx_file(rows), name="risorse.xlsx", dry_run=True)
    assert problems(report) == {6: ["amount"]}
    report = run(program, personas.alice, xlsx_file(rows[:4]), name="risorse.xlsx")
    assert report.ok and report.new == 3
    amounts = dict(LedgerEntry.objects.values_list("external_id", "amount"))
    assert amounts == {"P-1": D("1234.56"), "O-1": D("1234.56"), "H-1": D("966.00")}


def test_a_comma_separated_csv_with_a_bom_and_a_procedure(personas, program):
    procedure = record_historical_procedure(
        by=personas.alice,
        program=program,
        title="Coprogettazione 2017",
        kind="CO_DESIGN",
        reference="DET-12/2017",
    )
    rows = [
        row("A", amount="10,00", procedure="det-12/2017"),
        row("B", amount="10,00", procedure="Coprogettazione 2017"),
        row("C", amount="10,00", procedure="Altro"),
    ]
    data = b"\xef\xbb\xbf" + csv_file(rows, delimiter=",")
    report = run(program, personas.alice, data, dry_run=True)
    assert problems(report) == {4: ["procedure"]}
    assert run(program, personas.alice, csv_file(rows[:2], delimiter=",")).new == 2
    assert set(LedgerEntry.objects.values_list("procedure", flat=True)) == {procedure.pk}


# Number cells are read by the platform's one parser (trama.lib.numbers), as in every form.
READ = [
    ("1.234,56", "1234.56"),
    ("1234,56", "1234.56"),
    ("1.234", "1234"),  # the dot groups thousands: not ambiguous any more
    ("150.000", "150000"),
    ("150.000,00", "150000"),
    ("1.234.567", "1234567"),
    ("1.234.567,8", "1234567.8"),
    ("€ 1.000,00", "1000"),
    ("12,5", "12.5"),
    ("1500", "1500"),
]
REFUSED = [
    "1500.50",  # a dot before two digits: decimals written the English way
    "1,234.56",
    "1234.56",
    "1,234",  # three decimals: thousands typed with a comma?
    "0,125",
    "-3,00",
    "dieci",
    "12.34.56",
    "1.234,567.8",
    "1,23.45",
    "1e6",
]


def test_number_cells_are_read_in_italian_notation(personas, program):
    rows = [row(f"N-{i}", amount=text) for i, (text, _number) in enumerate(READ)]
    report = run(program, personas.alice, csv_file(rows))
    assert report.ok, report.errors
    amounts = dict(LedgerEntry.objects.values_list("external_id", "amount"))
    assert amounts == {f"N-{i}": D(number) for i, (_text, number) in enumerate(READ)}


@pytest.mark.parametrize("text", REFUSED)
def test_unclear_number_cells_are_refused_with_the_parsers_message(personas, program, text):
    with pytest.raises(ValidationError) as refusal:
        parse_number(text, AMOUNT)
    report = run(program, personas.alice, csv_file([row("N", amount=text)]), dry_run=True)
    assert report.errors == [{"line": 2, "problems": [["amount", refusal.value.messages[0]]]}]


def test_a_row_longer_than_the_header_is_refused_not_cut(personas, program):
    data = csv_file([row("A", amount="1", description="Pasti, trasporti"), row("B", amount="2")])
    # Saved with commas as separators and the description not quoted: one value too many.
    report = run(program, personas.alice, data.replace(b";", b","), dry_run=True)
    assert problems(report) == {2: [""]} and report.new == 1


def test_a_number_too_large_for_the_database_is_a_bad_row(personas, program):
    rows = [
        row("A", quantity="99.999.999.999", unit="HOUR", unit_value="1"),
        row("B", quantity="9.999.999", unit="HOUR", unit_value="999.999,99"),
        GOOD[1],
    ]
    report = run(program, personas.alice, csv_file(rows), dry_run=True)
    assert sorted(problems(report)) == [2, 3] and report.new == 1
    assert nothing_saved()


def test_only_the_verified_owner_runs_an_import(personas, program):
    from django.core.exceptions import PermissionDenied

    for outsider in (personas.tom, personas.oscar):
        with pytest.raises(PermissionDenied):
            run(program, outsider, csv_file(GOOD))
    assert nothing_saved()


def test_chunks_do_not_hide_duplicates_or_imported_rows(personas, program, monkeypatch):
    monkeypatch.setattr(import_run, "CHUNK", 2)
    run(program, personas.alice, csv_file([row("A", amount="1")]))
    rows = [row("B", amount="1"), row("C", amount="1"), row("A", amount="1"), row("B", amount="2")]
    report = run(program, personas.alice, csv_file(rows), dry_run=True)
    assert problems(report) == {5: ["external_id"]} and report.skipped == 1


def test_a_file_over_the_row_limit_is_refused(personas, program, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    report = run(program, personas.alice, csv_file(GOOD))
    assert report.file_error and nothing_saved()


# --- the wizard ------------------------------------------------------------------------------


def url(name, program, *args):
    return reverse(f"ledger:{name}", args=[program.slug, *args])


def upload(client, program, data, name="risorse.csv"):
    return client.post(url("import", program), {"file": SimpleUploadedFile(name, data)})


def batch_of(response) -> ImportBatch:
    """The batch the wizard keeps for an upload, from the review page it redirects to."""
    match = re.search(r"/importa/(\d+)/$", response["Location"])
    assert match, response["Location"]
    return ImportBatch.objects.get(pk=match.group(1))


def test_the_wizard_checks_then_imports(personas, program, client_for):
    client = client_for(personas.eve)
    response = upload(client, program, csv_file(GOOD), name="storico.csv")
    assert response.status_code == 302
    batch = batch_of(response)
    stored = Path(batch.file.path)
    assert stored.read_bytes() == csv_file(GOOD)
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    review = client.get(response["Location"])
    page = review.content.decode()
    assert review.status_code == 200 and 'name="csrfmiddlewaretoken"' in page
    assert not LedgerEntry.objects.exists()  # checked, nothing saved yet
    batch.refresh_from_db()
    assert (batch.status, batch.file_name, batch.rows, batch.created) == (
        "CHECKED",
        "storico.csv",
        4,
        4,
    )
    # Not an import yet: the earlier imports don't list it.
    assert "storico.csv" not in client.get(url("import", program)).content.decode()

    response = client.post(url("import_review", program, batch.pk))
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert LedgerEntry.objects.count() == 4
    assert ImportBatch.objects.get().by == personas.eve
    assert program.get_absolute_url() in done and url("entries", program) in done
    assert not stored.exists()  # the upload is forgotten once imported
    assert "storico.csv" in client.get(url("import", program)).content.decode()
    # A second click on the button imports nothing more.
    assert client.post(url("import_review", program, batch.pk)).status_code == 400
    assert LedgerEntry.objects.count() == 4


def test_the_wizard_lists_bad_lines_and_refuses_to_run(personas, program, client_for):
    client = client_for(personas.alice)
    response = upload(client, program, csv_file(MIXED))
    review = client.get(response["Location"])
    page = review.content.decode()
    lines = [int(n) for n in re.findall(r'<th scope="row" rowspan="\d+">(\d+)</th>', page)]
    assert lines == sorted(MIXED_PROBLEMS)
    assert "<code>contributor_tax_code</code>" in page
    assert client.post(url("import_review", program, batch_of(response).pk)).status_code == 400
    assert nothing_saved(uploads=1)
    # A file that can never be imported is not kept.
    assert not batch_of(response).file


def test_the_review_polls_while_the_task_works(personas, program, client_for):
    client = client_for(personas.alice)
    batch = batch_of(upload(client, program, csv_file(GOOD)))
    ImportBatch.objects.filter(pk=batch.pk).update(status="RUNNING", progress=2)
    response = client.get(url("import_review", program, batch.pk), headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="import-status"')
    assert 'hx-trigger="every 2s"' in fragment and 'value="2"' in fragment
    ImportBatch.objects.filter(pk=batch.pk).update(status="CHECKED")
    fragment = client.get(
        url("import_review", program, batch.pk), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in fragment


def test_a_run_that_fails_says_why_and_saves_nothing(personas, program, client_for):
    client = client_for(personas.alice)
    batch = batch_of(upload(client, program, csv_file(GOOD)))
    Path(batch.file.path).write_bytes(csv_file(GOOD[:1]))  # the file changed on the server
    response = client.post(url("import_review", program, batch.pk))
    page = client.get(response["Location"]).content.decode()
    batch.refresh_from_db()
    assert batch.status == "FAILED" and batch.file_error in page
    assert "Upload the file again" in page or "Carica di nuovo il file" in page
    assert nothing_saved(uploads=1) and not batch.file


def test_an_upload_never_imported_is_forgotten_after_two_days(
    personas, program, client_for, time_machine
):
    client = client_for(personas.alice)
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False)
    imported = batch_of(upload(client, program, csv_file(GOOD[:1])))
    client.post(url("import_review", program, imported.pk))
    abandoned = batch_of(upload(client, program, csv_file(GOOD)))
    stored = Path(abandoned.file.path)
    time_machine.move_to(datetime.datetime(2026, 3, 4, 11, tzinfo=datetime.UTC), tick=False)
    recent = batch_of(upload(client, program, csv_file(GOOD[1:])))
    assert client.get(url("import_review", program, abandoned.pk)).status_code == 404
    assert not stored.exists()
    assert set(ImportBatch.objects.values_list("pk", "status")) == {
        (imported.pk, "DONE"),
        (recent.pk, "CHECKED"),
    }


@pytest.mark.parametrize(
    "name, data",
    [
        ("risorse.xlsx", csv_file(GOOD)),  # text that calls itself a workbook
        ("risorse.csv", xlsx_file([GOOD[0]])),  # a workbook that calls itself text
        ("risorse.csv", b"\x00\x01\x02\xff\xfe binary" * 10),
        ("risorse.csv", "external_id;kind\n".encode("utf-16")),
        ("risorse.pdf", csv_file(GOOD)),
        ("risorse.xlsx", b"PK\x03\x04 not really a zip"),
        ("risorse.csv", csv_file([])),  # a header and no rows
        ("risorse.xlsx", xlsx_file([])),
        ("risorse.csv", b""),
        ("risorse.csv", csv_file(GOOD, header=HEADER[1:])),  # no external_id column
        ("risorse.csv", csv_file([["2017", "10"]], header=["anno", "importo"])),
        ("risorse.csv", csv_file([[*GOOD[0], "x"]], header=[*HEADER, "note"])),
    ],
)
def test_a_bad_file_is_refused_with_a_form_error(personas, program, client_for, name, data):
    response = upload(client_for(personas.alice), program, data, name=name)
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()
    assert nothing_saved()  # no batch, so no file kept either


def test_a_file_over_the_row_limit_is_refused_on_upload(personas, program, client_for, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    client = client_for(personas.alice)
    assert upload(client, program, csv_file(GOOD)).status_code == 400
    assert upload(client, program, xlsx_file(GOOD), name="r.xlsx").status_code == 400
    assert upload(client, program, csv_file(GOOD[:3])).status_code == 302


def test_a_post_without_a_file_says_so(personas, program, client_for):
    response = client_for(personas.alice).post(url("import", program))
    assert response.status_code == 400 and 'id="id_file_error"' in response.content.decode()


def test_a_file_over_20_mb_is_refused(personas, program, client_for, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_SIZE", 1000)
    response = upload(client_for(personas.alice), program, csv_file(GOOD * 20))
    assert response.status_code == 400 and nothing_saved()


@pytest.mark.parametrize(
    "persona, status",
    [("alice", 200), ("eve", 200), ("tom", 403), ("fiona", 403), ("oscar", 403), (ANONYMOUS, 302)],
)
def test_only_the_owning_body_imports(personas, program, client_for, persona, status):
    client = client_for(getattr(personas, persona) if persona else None)
    for page in (url("import", program), url("import_template", program, "csv")):
        response = client.get(page)
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith(reverse("account_login"))
    response = upload(client, program, csv_file(GOOD))
    assert response.status_code == (302 if status == 200 else status)
    if status == 200:
        assert reverse("ledger:import", args=[program.slug]) in response["Location"]
    assert not LedgerEntry.objects.exists()


def test_an_unverified_owner_cannot_import(personas, program, client_for):
    personas.comune.verified_at = None
    personas.comune.save(update_fields=["verified_at"])
    client = client_for(personas.alice)
    assert client.get(url("import", program)).status_code == 403
    assert upload(client, program, csv_file(GOOD)).status_code == 403


def test_a_review_belongs_to_its_program(personas, program, client_for):
    from trama.programs.services import create_program

    client = client_for(personas.alice)
    batch = batch_of(upload(client, program, csv_file(GOOD)))
    other = create_program(
        by=personas.alice, owner=personas.comune, title="Altro", start_year=2016, end_year=2020
    )
    assert client.get(url("import_review", other, batch.pk)).status_code == 404
    assert client.get(url("import_review", program, batch.pk + 1)).status_code == 404
    assert client.get(url("import", program) + "../").status_code == 404
    assert client.get(url("import", program) + "x" * 32 + "/").status_code == 404
    for persona in (personas.tom, personas.oscar):
        assert client_for(persona).get(url("import_review", program, batch.pk)).status_code == 403
        assert client_for(persona).post(url("import_review", program, batch.pk)).status_code == 403
    assert not LedgerEntry.objects.exists()


def test_a_member_who_left_cannot_run_a_checked_import(personas, program, client_for):
    from trama.organizations.models import Membership

    client = client_for(personas.eve)
    batch = batch_of(upload(client, program, csv_file(GOOD)))
    Membership.objects.filter(user=personas.eve, organization=personas.comune).delete()
    assert client.post(url("import_review", program, batch.pk)).status_code == 403
    assert nothing_saved(uploads=1)


# --- templates -------------------------------------------------------------------------------


def test_the_csv_template_imports_once_its_example_tax_code_is_real(personas, program, client_for):
    response = client_for(personas.alice).get(url("import_template", program, "csv"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == HEADER and len(lines) == 3
    report = run(program, personas.alice, data.replace(b"01234567897", COOP.encode()))
    assert report.ok and report.new == 2
    assert LedgerEntry.objects.get(external_id="2016-001").amount == D("120000.00")


def test_the_xlsx_template_explains_every_column(personas, program, client_for):
    from openpyxl import load_workbook

    response = client_for(personas.alice).get(url("import_template", program, "xlsx"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Risorse", "Istruzioni"]
    rows = list(workbook["Risorse"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) == 3
    explained = [r[0] for r in workbook["Istruzioni"].iter_rows(min_row=2, values_only=True)]
    assert explained[: len(HEADER)] == HEADER
    data = response.content
    fixed = xlsx_file([[COOP if v == "01234567897" else v for v in r] for r in rows[1:]])
    assert run(program, personas.alice, fixed, name="m.xlsx").new == 2
    assert client_for(personas.alice).get(url("import_template", program, "ods")).status_code == 404
    assert data.startswith(b"PK\x03\x04")
