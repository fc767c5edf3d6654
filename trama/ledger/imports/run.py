"""Bulk import of a program's ledger from a spreadsheet (XLSX or CSV).

Every row is checked by `services.record_entries` with exactly the rules of a single entry,
then all rows are recorded in bulk. The dry run is the real import rolled back: what it reports is what the real
run would do. The real run is all-or-nothing (one transaction) and idempotent: rows whose
`external_id` is already in the program are skipped.

The upload wizard keeps the file and a small JSON status beside it in
PRIVATE_MEDIA_ROOT/imports/ (readable by the server's user only); both checks run as background
tasks so that a long file does not hold a web request.
"""

import csv
import hashlib
import io
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trama.audit.services import chain_for, record_event
from trama.organizations.models import Organization
from trama.organizations.validators import normalize_tax_code
from trama.procedures.models import Program

from .. import services
from ..access import OWNER, access_program
from ..models import Category, ImportBatch, Kind, LedgerEntry, Source, Unit

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 20 * 1024 * 1024
# Rows are checked one by one and recorded in bulk (services.record_entries); the cap keeps a
# single upload's memory bounded.
MAX_ROWS = 200_000
ERRORS_KEPT = 500
CHUNK = 1000
EXTENSIONS = ("csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    allowed: str = ""


def _codes(choices) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


def columns(program: Program | None = None) -> list[Column]:
    """The file's columns, as documented on the upload page and in the template."""
    years = f"{program.start_year}–{program.end_year}" if program else _("the program's years")
    procedures = ""
    if program is not None:
        procedures = "; ".join(
            p.reference or p.title for p in program.procedures.order_by("opened_on", "pk")
        )
    number = _("A number: 1234,56 or 1.234,56 (Italian) or 1234.56; at most two decimals.")
    return [
        Column(
            "external_id",
            True,
            _(
                "A stable identifier of the row in your own records. A row whose identifier "
                "is already in the program is skipped, so the same file can be imported again."
            ),
            _("Text, up to 80 characters, unique in the file."),
        ),
        Column("kind", True, _("A pledge (promised) or an actual (brought)."), _codes(Kind)),
        Column("category", True, _("What kind of resource it is."), _codes(Category)),
        Column(
            "source",
            True,
            _(
                "Where it comes from. Only the program's public body records PUBLIC_OWNER; "
                "a foundation grant names its funder."
            ),
            _codes(Source),
        ),
        Column(
            "contributor_tax_code",
            True,
            _(
                "Tax code (codice fiscale) of the organisation that brings the resource; it "
                "must already be on Trama. For PUBLIC_OWNER, the public body's own tax code."
            ),
            _("11 digits or 16 characters."),
        ),
        Column("year", True, _("The year the resource belongs to."), years),
        Column(
            "amount",
            False,
            _(
                "Amount in euro. Leave it empty for in-kind resources valued as quantity × "
                "unit value; if you give both, they must match."
            ),
            number,
        ),
        Column("quantity", False, _("In-kind resources: how many units."), number),
        Column("unit", False, _("In-kind resources: the unit of the quantity."), _codes(Unit)),
        Column("unit_value", False, _("In-kind resources: euro per unit."), number),
        Column(
            "funder_tax_code",
            False,
            _("Foundation grants only: tax code of the funder, which must be on Trama."),
            _("11 digits or 16 characters."),
        ),
        Column(
            "grant_reference",
            False,
            _("Foundation grants: the call or grant reference."),
            _("Text, up to 150 characters."),
        ),
        Column(
            "procedure",
            False,
            _("Optional: title or reference number of one of the program's procedures."),
            procedures,
        ),
        Column("description", False, _("What the resource is."), _("Text, up to 300 characters.")),
    ]


COLUMN_NAMES = [
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

EXTRA = "__extra__"
REQUIRED = ["external_id", "kind", "category", "source", "contributor_tax_code", "year"]
IN_KIND = ["quantity", "unit", "unit_value"]
# Where record_entry reports a problem (its error keys) → the column the user wrote it in.
FIELD_COLUMN = {
    "contributor": "contributor_tax_code",
    "funder": "funder_tax_code",
    "rate": "unit_value",
    "__all__": "",
}


# --- reading files -------------------------------------------------------------------------


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why."""

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass
class Sheet:
    columns: list[str]
    rows: object  # iterator of (line, {column: value})


def extension_of(name: str) -> str:
    return Path(name or "").suffix.lower().lstrip(".")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _header(cells) -> list[str]:
    names = [str(c or "").strip().lstrip("\ufeff").strip().lower() for c in cells]
    while names and not names[-1]:
        names.pop()
    known = set(COLUMN_NAMES)
    missing = [c for c in REQUIRED if c not in names]
    if not any(names) or (missing and not known & set(names)):
        raise FileProblem(
            _(
                "The first row must name the columns (%(columns)s). Download the template "
                "to see them."
            )
            % {"columns": ", ".join(REQUIRED)}
        )
    unknown = [n or "?" for n in names if n not in known]
    if unknown:
        raise FileProblem(
            _("Unknown columns: %(unknown)s. The columns allowed are: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(COLUMN_NAMES)}
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise FileProblem(_("Columns named twice: %(names)s.") % {"names": ", ".join(repeated)})
    if missing:
        raise FileProblem(
            _("Required columns are missing: %(missing)s.") % {"missing": ", ".join(missing)}
        )
    if "amount" not in names and not all(c in names for c in IN_KIND):
        raise FileProblem(
            _("The file needs an amount column, or the quantity, unit and unit_value columns.")
        )
    return names


def _rows(names, records):
    """(line, row) for every non-blank record; line 1 is the header.

    A row with values beyond the named columns (often a separator inside an unquoted
    value) carries how many under `EXTRA`, so that it is refused rather than cut short.
    """
    width = len(names)
    for line, cells in records:
        values = [_cell(c) for c in cells]
        if not any(v != "" for v in values):
            continue
        extra = sum(1 for v in values[width:] if v != "")
        values = values[:width] + [""] * (width - len(values))
        row = dict(zip(names, values, strict=True))
        if extra:
            row[EXTRA] = extra
        yield line, row


def _open_csv(data: bytes) -> Sheet:
    if data.startswith(XLSX_MAGIC):
        raise FileProblem(_("This is an Excel (XLSX) file: give it the .xlsx extension."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(
            _(
                "The file is not UTF-8 text, so it is not a CSV file we can read. Save it as "
                "“CSV UTF-8” or upload the XLSX file."
            )
        ) from None
    if "\x00" in text:
        raise FileProblem(_("The file holds binary data, not CSV text."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileProblem(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None
    if header is None:
        raise FileProblem(_("The file is empty."))
    names = _header(header)

    def records():
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as exc:
            raise FileProblem(
                _("The CSV file cannot be read after line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from None

    return Sheet(names, _rows(names, records()))


def _open_xlsx(data: bytes) -> Sheet:
    import openpyxl  # imported here: only imports and exports need it

    if not data.startswith(XLSX_MAGIC):
        raise FileProblem(_("The file is not an Excel workbook (XLSX), whatever its name says."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        records = enumerate(sheet.iter_rows(values_only=True), start=1)
        _line, header = next(records, (1, None))
    except Exception as exc:  # a zip that is not a workbook fails in many ways
        logger.info("unreadable xlsx: %r", exc)
        raise FileProblem(_("The Excel file cannot be read; it may be damaged.")) from None
    if header is None:
        workbook.close()
        raise FileProblem(_("The file is empty."))
    try:
        names = _header(header)
    except FileProblem:
        workbook.close()
        raise

    def rows():
        try:
            yield from records
        except Exception as exc:  # whatever a damaged workbook raises half-way through
            logger.info("unreadable xlsx row: %r", exc)
            raise FileProblem(_("The Excel file cannot be read; it may be damaged.")) from None
        finally:
            workbook.close()

    return Sheet(names, _rows(names, rows()))


def open_sheet(data: bytes, file_name: str) -> Sheet:
    """Check that the bytes are what the name says and read the header; rows are lazy."""
    ext = extension_of(file_name)
    if ext not in EXTENSIONS:
        raise FileProblem(_("Upload a .csv or .xlsx file."))
    if len(data) > MAX_FILE_SIZE:
        raise FileProblem(_("The file is larger than 20 MB: split it into smaller files."))
    return _open_csv(data) if ext == "csv" else _open_xlsx(data)


def _too_many_rows() -> FileProblem:
    return FileProblem(
        _("The file has more than %(max)s rows: split it into smaller files.")
        % {"max": f"{MAX_ROWS:,}".replace(",", ".")}
    )


def check_file(data: bytes, file_name: str) -> None:
    """Refuse, with a FileProblem, a file that is not a readable spreadsheet with rows."""
    rows = open_sheet(data, file_name).rows
    try:
        count = sum(1 for _row in islice(rows, MAX_ROWS + 1))
    finally:
        rows.close()
    if count == 0:
        raise FileProblem(_("The file has a header but no rows."))
    if count > MAX_ROWS:
        raise _too_many_rows()


# --- numbers -------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009€")


def _grouped(text: str, sep: str) -> bool:
    head, *groups = text.split(sep)
    return 1 <= len(head) <= 3 and all(len(g) == 3 and g.isdigit() for g in groups)


def parse_number(value, column: str):
    """A number cell as "1234.56" text for the services; Italian or dotted decimals.

    A single separator followed by exactly three digits ("1.234", "1,234") could be
    thousands or decimals, so it is refused rather than guessed.
    """
    if value == "" or value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value).translate(_SPACES)
    if not _NUMBER.match(text):
        return text  # the service says it is not a number
    sign = ""
    if text[0] in "+-":
        sign, text = text[0], text[1:]
    dots, commas = text.count("."), text.count(",")

    def refuse(message):
        raise ValidationError({column: ValidationError(message, code="ambiguous_number")})

    unclear = _("“%(value)s” is not a clear number: write 1234,56, 1.234,56 or 1234.56.") % {
        "value": value
    }
    if dots and commas:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        whole, _sep, fraction = text.rpartition(decimal_sep)
        if decimal_sep in whole or not _grouped(whole, group_sep):
            refuse(unclear)
        return f"{sign}{whole.replace(group_sep, '')}.{fraction}"
    if not dots and not commas:
        return sign + text
    sep = "." if dots else ","
    if dots + commas > 1:
        if not _grouped(text, sep):
            refuse(unclear)
        return sign + text.replace(sep, "")
    whole, fraction = text.split(sep)
    if len(fraction) == 3 and whole != "0":
        refuse(
            _(
                "“%(value)s” is ambiguous: thousands or decimals? Write %(plain)s or "
                "%(italian)s for thousands, or %(decimal)s for decimals."
            )
            % {
                "value": value,
                "plain": whole + fraction,
                "italian": f"{whole}.{fraction},00",
                "decimal": f"{whole},{fraction}",
            }
        )
    return f"{sign}{whole}.{fraction}"


# --- the import ----------------------------------------------------------------------------


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

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "new": self.new,
            "skipped": self.skipped,
            "bad": self.bad,
            "errors": self.errors,
            "file_error": self.file_error,
            "batch_id": self.batch_id,
            "seconds": round(self.seconds, 2),
        }


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
    for column in ("amount", "quantity", "unit_value"):
        try:
            arguments[column] = parse_number(row.get(column, ""), column)
        except ValidationError as exc:
            problems += _problems(exc)
    unit = str(row.get("unit", "")).strip().upper()
    if unit and unit not in Unit.values:
        problems.append(
            ["unit", _("Unknown unit; use one of %(units)s.") % {"units": ", ".join(Unit.values)}]
        )
    arguments["unit"] = unit
    if arguments.get("quantity") is None and (unit or arguments.get("unit_value") is not None):
        problems.append(
            ["quantity", _("Give the quantity, or leave the unit and the unit value empty.")]
        )
    return arguments, problems


def run_import(
    program: Program, *, by, data: bytes, file_name: str, dry_run: bool, progress=None
) -> Report:
    """Check (dry run) or import every row of a file: all rows or none are recorded."""
    # Only the verified owning body imports; the rows are then recorded without a check each.
    access_program(by, program.slug, need=OWNER)
    started = time.monotonic()
    report = Report()
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        sheet = open_sheet(data, file_name)
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                program=program, file_name=file_name[:255], file_sha256=sha256, by=by
            )
            _import_rows(program, sheet, batch, by, report, progress)
            if report.rows == 0 and not report.file_error:
                report.file_error = _("The file has a header but no rows.")
            if dry_run or not report.ok or report.new == 0:
                raise _RollBack
            batch.rows, batch.created, batch.skipped = report.rows, report.new, report.skipped
            batch.save(update_fields=["rows", "created", "skipped"])
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
    except FileProblem as exc:
        report.file_error = exc.message
    report.seconds = time.monotonic() - started
    return report


def _import_rows(program, sheet, batch, by, report: Report, progress) -> None:
    lookups = _Lookups(program)
    seen: dict[str, int] = {}
    accepted: list[tuple[int, dict]] = []  # (line, record_entries row) of readable rows
    chunk = []
    for item in sheet.rows:
        chunk.append(item)
        if report.rows + len(chunk) > MAX_ROWS:
            raise _too_many_rows()
        if len(chunk) == CHUNK:
            _read_chunk(chunk, lookups, seen, report, accepted)
            chunk = []
            if progress:
                progress(report.rows)
    if chunk:
        _read_chunk(chunk, lookups, seen, report, accepted)
    if not accepted:
        return
    try:
        # One call checks every row with the service's rules and, if all pass, records them
        # in bulk with one roll-up update: all or nothing, at COPY speed on PostgreSQL.
        with transaction.atomic():
            report.new = services.record_entries(
                by=by, program=program, rows=[row for _line, row in accepted], import_batch=batch
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
        if row.get(EXTRA):
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


# --- templates -----------------------------------------------------------------------------


def template_rows(program: Program, *, for_xlsx: bool) -> list[list]:
    """The template's header and two example rows (one in euro, one in kind)."""
    year = program.start_year
    owner_code = program.owner.tax_code or ""
    money = Decimal("120000.00") if for_xlsx else "120.000,00"
    rate = Decimal("22.50") if for_xlsx else "22,50"
    return [
        COLUMN_NAMES,
        [
            f"{year}-001",
            Kind.ACTUAL,
            Category.ECONOMIC,
            Source.PUBLIC_OWNER,
            owner_code,
            year,
            money,
            "",
            "",
            "",
            "",
            "",
            "",
            _("Municipal budget share for the program"),
        ],
        [
            f"{year}-002",
            Kind.PLEDGE,
            Category.PROFESSIONAL,
            Source.OWN_RESOURCES,
            "01234567897",
            year,
            "",
            120,
            Unit.HOUR,
            rate,
            "",
            "",
            "",
            _("Volunteer hours of a partner (example tax code: put a real one)"),
        ],
    ]


def template_csv(program: Program) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([[str(v) for v in row] for row in template_rows(program, for_xlsx=False)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(program: Program) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Risorse"
    for row in template_rows(program, for_xlsx=True):
        sheet.append([str(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet["E"][1:] + sheet["K"][1:]:
        cell.number_format = "@"  # tax codes keep their leading zeros
    for cell in sheet["G"][1:] + sheet["J"][1:]:
        cell.number_format = "#,##0.00"
    for letter, width in zip(
        "ABCDEFGHIJKLMN", [14, 10, 16, 20, 22, 8, 14, 10, 10, 12, 18, 18, 18, 50], strict=True
    ):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Istruzioni")
    guide.append([_("Column"), _("Required"), _("What it holds"), _("Allowed values")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in columns(program):
        guide.append(
            [column.name, _("yes") if column.required else _("no"), column.help, column.allowed]
        )
    guide.append([])
    for note in (
        _("One row per resource; the first row names the columns, in any order."),
        _("Rows whose external_id is already in the program are skipped."),
        _("The import is all or nothing: if any row is wrong, nothing is saved."),
        _("Actuals imported by the public body are accepted, citing the import batch."),
    ):
        guide.append([note])
    for letter, width in zip("ABCD", [22, 10, 70, 60], strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the wizard's uploads and their status -------------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (XLSX or CSV)"),
        help_text=gettext_lazy("At most 20 MB. CSV: UTF-8, separated by ; or ,."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_SIZE:
            raise ValidationError(
                _("The file is larger than 20 MB: split it into smaller files."), code="too_big"
            )
        data = upload.read()
        try:
            check_file(data, upload.name)
        except FileProblem as exc:
            raise ValidationError(exc.message, code="bad_file") from None
        self.data_bytes = data
        return upload


class Job:
    """An uploaded file and its status, kept in PRIVATE_MEDIA_ROOT/imports/ until imported."""

    CHECKING, CHECKED, RUNNING, DONE, FAILED = "checking", "checked", "running", "done", "failed"
    TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
    KEEP_SECONDS = 2 * 24 * 3600

    def __init__(self, token: str):
        if not self.TOKEN.match(token or ""):
            raise LookupError(token)
        self.token = token

    @staticmethod
    def folder() -> Path:
        return Path(settings.PRIVATE_MEDIA_ROOT) / "imports"

    @property
    def status_path(self) -> Path:
        return self.folder() / f"{self.token}.json"

    @property
    def lock_path(self) -> Path:
        return self.folder() / f"{self.token}.run"

    def data_path(self, status) -> Path:
        return self.folder() / f"{self.token}.{status['ext']}"

    @classmethod
    def create(cls, *, program, by, data: bytes, file_name: str) -> "Job":
        folder = cls.folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        cls.remove_stale()
        job = cls(secrets.token_urlsafe(24))
        status = {
            "program": program.pk,
            "by": by.pk,
            "file_name": Path(file_name).name[:255],
            "ext": extension_of(file_name),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            "state": cls.CHECKING,
            "done": 0,
            "created": time.time(),
        }
        path = job.data_path(status)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        job.save(status)
        return job

    @classmethod
    def remove_stale(cls) -> None:
        """Forget uploads older than two days (abandoned wizards)."""
        limit = time.time() - cls.KEEP_SECONDS
        for path in cls.folder().iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                pass

    def load(self) -> dict:
        try:
            return json.loads(self.status_path.read_text("utf-8"))
        except (OSError, ValueError):
            raise LookupError(self.token) from None

    def save(self, status: dict) -> None:
        # Written aside and renamed: a page polling the status never reads half a file.
        temporary = self.status_path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(status, out)
        os.replace(temporary, self.status_path)

    def update(self, **changes) -> dict:
        status = self.load()
        status.update(changes)
        self.save(status)
        return status

    def claim_run(self) -> bool:
        """True for the one request that may start the real run; a second click gets False."""
        try:
            os.close(os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
        return True

    def read_data(self, status) -> bytes:
        data = self.data_path(status).read_bytes()
        if hashlib.sha256(data).hexdigest() != status["sha256"]:
            raise FileProblem(_("The uploaded file changed on the server; upload it again."))
        return data


# The tasks read the job from disk, not from a transaction of the caller's: they are
# enqueued at once rather than on commit.
def start_check(job: Job) -> None:
    check_upload.enqueue(job.token)


def start_run(job: Job, *, by) -> None:
    language = translation.get_language() or settings.LANGUAGE_CODE
    job.update(state=Job.RUNNING, run_by=by.pk, done=0, language=language)
    run_upload.enqueue(job.token)


def _perform(token: str, *, dry_run: bool) -> None:
    job = Job(token)
    status = job.load()
    user_id = status.get("run_by", status["by"]) if not dry_run else status["by"]
    with translation.override(status.get("language") or settings.LANGUAGE_CODE):
        report = Report()
        try:
            user = get_user_model().objects.get(pk=user_id)
            program = Program.objects.with_territory().get(pk=status["program"])
            # run_import checks the owner's access again: it may have changed since the page.
            report = run_import(
                program,
                by=user,
                data=job.read_data(status),
                file_name=status["file_name"],
                dry_run=dry_run,
                progress=lambda done: job.update(done=done),
            )
        except FileProblem as exc:
            report.file_error = exc.message
        except PermissionDenied as exc:
            report.file_error = str(exc)
        except Exception:
            logger.exception("import %s failed", token)
            report.file_error = _("The import stopped because of an error on our side.")
        state = Job.CHECKED if dry_run else Job.DONE if report.ok else Job.FAILED
        changes = {"state": state, "done": report.rows}
        changes["report" if dry_run else "result"] = report.as_dict()
        job.update(**changes)
        if state == Job.DONE:
            job.data_path(status).unlink(missing_ok=True)


@task
def check_upload(token: str) -> None:
    """Dry run of an uploaded file: its report is stored beside it."""
    _perform(token, dry_run=True)


@task
def run_upload(token: str) -> None:
    """Real import of an uploaded, checked file."""
    _perform(token, dry_run=False)
