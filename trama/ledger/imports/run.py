"""The import itself: every row checked with the rules of a single entry, then all recorded.

Every row is checked by `services.record_entries` with exactly the rules of a single entry,
then all rows are recorded in bulk. The dry run is the real import rolled back: what it
reports is what the real run would do. The real run is all-or-nothing (one transaction) and
idempotent: rows whose `external_id` is already in the program are skipped. Number cells are
read by the platform's one parser (`trama.lib.numbers.parse_number`), Italian notation.
"""

import hashlib
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.lib.numbers import AMOUNT, QUANTITY, UNIT_VALUE, parse_number
from trama.organizations.models import Organization
from trama.organizations.validators import normalize_tax_code
from trama.programs.access import OWNER, access_program
from trama.programs.models import Program

from .. import services
from ..models import ImportBatch, LedgerEntry, Unit
from . import reading

ERRORS_KEPT = 500
# Rows are read, looked up and checked a chunk at a time.
CHUNK = 1000
NUMBER_BOUNDS = {"amount": AMOUNT, "quantity": QUANTITY, "unit_value": UNIT_VALUE}
# Where record_entry reports a problem (its error keys) → the column the user wrote it in.
FIELD_COLUMN = {
    "contributor": "contributor_tax_code",
    "funder": "funder_tax_code",
    "rate": "unit_value",
    "__all__": "",
}


@dataclass
class Report:
    rows: int = 0
    new: int = 0
    skipped: int = 0
    bad: int = 0
    errors: list = field(default_factory=list)  # [{"line": n, "problems": [[column, text]]}]
    file_error: str = ""
    batch_id: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.bad and not self.file_error

    def add_error(self, line: int, problems: list) -> None:
        self.bad += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append({"line": line, "problems": problems})


class _RollBack(Exception):
    pass


def _problems(exc: ValidationError) -> list:
    if not hasattr(exc, "error_dict"):
        return [["", message] for message in exc.messages]
    return [
        [FIELD_COLUMN.get(name, name), message]
        for name, errors in exc.error_dict.items()
        for message in ValidationError(errors).messages
    ]


class _Lookups:
    """Organisations, procedures and already imported ids, loaded a chunk at a time."""

    def __init__(self, program):
        self.program = program
        self.orgs: dict[str, Organization | None] = {}
        self.codes: dict[object, str] = {}
        self.by_title: dict[str, list] = {}
        self.by_reference: dict[str, list] = {}
        for procedure in program.procedures.all():
            self.by_title.setdefault(procedure.title.strip().casefold(), []).append(procedure)
            if procedure.reference:
                key = procedure.reference.strip().casefold()
                self.by_reference.setdefault(key, []).append(procedure)

    def load(self, rows) -> set:
        codes = set()
        for _line, row in rows:
            for column in ("contributor_tax_code", "funder_tax_code"):
                code = self.tax_code(row.get(column, ""))
                if code and code not in self.orgs:
                    codes.add(code)
        for code in codes:
            self.orgs[code] = None
        for org in Organization.objects.filter(tax_code__in=codes):
            self.orgs[org.tax_code] = org
        ids = {str(row["external_id"]) for _line, row in rows if row["external_id"] != ""}
        return set(
            LedgerEntry.objects.filter(program=self.program, external_id__in=ids).values_list(
                "external_id", flat=True
            )
        )

    def tax_code(self, value) -> str:
        code = self.codes.get(value)
        if code is None:
            # A spreadsheet that took a body's tax code for a number dropped its leading zeros.
            code = f"{value:011d}" if isinstance(value, int) else normalize_tax_code(str(value))
            self.codes[value] = code
        return code

    def organization(self, value):
        return self.orgs.get(self.tax_code(value))

    def procedure(self, value):
        key = str(value).strip().casefold()
        return self.by_reference.get(key) or self.by_title.get(key) or []


def _entry_arguments(row: dict, lookups: _Lookups) -> tuple[dict, list]:
    """record_entry's keyword arguments for a row, and the problems found in reading it."""
    problems = []
    arguments = {
        "kind": str(row["kind"]).strip().upper(),
        "category": str(row["category"]).strip().upper(),
        "source": str(row["source"]).strip().upper(),
        "year": row["year"],
        "grant_reference": str(row.get("grant_reference", "")),
        "description": str(row.get("description", "")),
    }
    code = row["contributor_tax_code"]
    if code == "":
        problems.append(["contributor_tax_code", _("Give the contributor's tax code.")])
    elif (contributor := lookups.organization(code)) is None:
        problems.append(
            [
                "contributor_tax_code",
                _("No organisation on Trama has the tax code %(code)s.") % {"code": code},
            ]
        )
    else:
        arguments["contributor"] = contributor
    funder_code = row.get("funder_tax_code", "")
    if funder_code != "":
        funder = lookups.organization(funder_code)
        if funder is None:
            problems.append(
                [
                    "funder_tax_code",
                    _("No organisation on Trama has the tax code %(code)s.")
                    % {"code": funder_code},
                ]
            )
        arguments["funder"] = funder
    if row.get("procedure", "") != "":
        found = lookups.procedure(row["procedure"])
        if len(found) == 1:
            arguments["procedure"] = found[0]
        else:
            message = (
                _("Several procedures of the program match “%(value)s”: use the reference.")
                if found
                else _("The program has no procedure with title or reference “%(value)s”.")
            )
            problems.append(["procedure", message % {"value": row["procedure"]}])
    for column, bounds in NUMBER_BOUNDS.items():
        value = row.get(column, "")
        try:
            arguments[column] = None if value == "" else parse_number(value, bounds)
        except ValidationError as exc:
            problems += [[column, message] for message in exc.messages]
    unit = str(row.get("unit", "")).strip().upper()
    if unit and unit not in Unit.values:
        problems.append(
            ["unit", _("Unknown unit; use one of %(units)s.") % {"units": ", ".join(Unit.values)}]
        )
    arguments["unit"] = unit
    if row.get("quantity", "") == "" and (unit or row.get("unit_value", "") != ""):
        problems.append(
            ["quantity", _("Give the quantity, or leave the unit and the unit value empty.")]
        )
    return arguments, problems


def run_import(
    program: Program,
    *,
    by,
    data: bytes,
    file_name: str,
    dry_run: bool,
    batch: ImportBatch | None = None,
    progress=None,
) -> Report:
    """Check (dry run) or import every row of a file: all rows or none are recorded.

    `batch` is the upload wizard's row for this file; without one, a batch is created and
    kept only when the rows are recorded. `progress(rows_read)` is called after each chunk.
    """
    # Only the verified owning body imports; the rows are then recorded without a check each.
    access_program(by, program.slug, need=OWNER)
    started = time.monotonic()
    report = Report()
    try:
        accepted = _read_rows(program, reading.open_sheet(data, file_name), report, progress)
        if report.rows == 0:
            report.file_error = _("The file has a header but no rows.")
        elif accepted:
            _record(
                program,
                by,
                accepted,
                report,
                dry_run=dry_run,
                batch=batch,
                file_name=file_name,
                sha256=hashlib.sha256(data).hexdigest(),
            )
    except reading.FileProblem as exc:
        report.file_error = exc.message
    report.seconds = time.monotonic() - started
    return report


def _read_rows(program, sheet, report: Report, progress) -> list[tuple[int, dict]]:
    """(line, record_entries row) of every readable row; the others are in the report.

    Reading only reads the database, outside the run's transaction, so that the progress it
    reports is seen by the page polling it.
    """
    lookups = _Lookups(program)
    seen: dict[str, int] = {}
    accepted: list[tuple[int, dict]] = []
    chunk = []
    for item in sheet.rows:
        chunk.append(item)
        if report.rows + len(chunk) > reading.MAX_ROWS:
            raise reading.too_many_rows()
        if len(chunk) == CHUNK:
            _read_chunk(chunk, lookups, seen, report, accepted)
            chunk = []
            if progress:
                progress(report.rows)
    if chunk:
        _read_chunk(chunk, lookups, seen, report, accepted)
    return accepted


def _record(program, by, accepted, report: Report, *, dry_run, batch, file_name, sha256):
    """Record the accepted rows in one transaction, rolled back by a dry run or any problem."""
    try:
        with transaction.atomic():
            if batch is None:
                batch = ImportBatch.objects.create(
                    program=program,
                    file_name=file_name[:255],
                    file_sha256=sha256,
                    by=by,
                    status=ImportBatch.Status.RUNNING,
                )
            try:
                # One call checks every row with the service's rules and, if all pass,
                # records them in bulk with one roll-up update: all or nothing, at COPY
                # speed on PostgreSQL.
                with transaction.atomic():
                    report.new = services.record_entries(
                        by=by,
                        program=program,
                        rows=[row for _line, row in accepted],
                        import_batch=batch,
                    )
            except services.RowErrors as exc:
                # Nothing was saved; report what the other rows would give once these are fixed.
                report.new = len(accepted) - len(exc.rows)
                for index, error in exc.rows:
                    report.add_error(accepted[index][0], _problems(error))
                report.errors.sort(key=lambda error: error["line"])
            except IntegrityError:
                # The external id is unique per program: another import saved some rows meanwhile.
                report.file_error = _(
                    "Some rows were saved by another import meanwhile; upload the file again."
                )
            except DataError:
                report.file_error = _("A number is too large to be stored.")
            if dry_run or not report.ok or report.new == 0:
                raise _RollBack
            batch.rows, batch.created, batch.skipped = report.rows, report.new, report.skipped
            batch.status = ImportBatch.Status.DONE
            batch.save(update_fields=["rows", "created", "skipped", "status"])
            record_event(
                chain_for(program),
                "ledger.imported",
                by=by,
                target=batch,
                data={
                    "file_name": batch.file_name,
                    "sha256": sha256,
                    "rows": report.rows,
                    "created": report.new,
                    "skipped": report.skipped,
                },
            )
            report.batch_id = batch.pk
    except _RollBack:
        pass


def _read_chunk(chunk, lookups, seen, report: Report, accepted) -> None:
    existing = lookups.load(chunk)
    for line, row in chunk:
        report.rows += 1
        external_id = str(row["external_id"])
        if external_id == "":
            report.add_error(line, [["external_id", _("Give the row an external id.")]])
            continue
        if len(external_id) > LedgerEntry._meta.get_field("external_id").max_length:
            report.add_error(line, [["external_id", _("At most 80 characters.")]])
            continue
        if external_id in seen:
            report.add_error(
                line,
                [
                    [
                        "external_id",
                        _("The same external id is on line %(line)s.")
                        % {"line": seen[external_id]},
                    ]
                ],
            )
            continue
        seen[external_id] = line
        if row.get(reading.EXTRA):
            report.add_error(
                line,
                [
                    [
                        "",
                        _(
                            "The row has more values than the header has columns: is there a "
                            "separator inside a value? Put that value in quotes."
                        ),
                    ]
                ],
            )
            continue
        if external_id in existing:
            report.skipped += 1
            continue
        arguments, problems = _entry_arguments(row, lookups)
        if problems:
            report.add_error(line, problems)
            continue
        accepted.append((line, {"external_id": external_id, **arguments}))
