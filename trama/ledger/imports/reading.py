"""Reading an import file: what its bytes are, its header, and its rows one at a time."""

import csv
import io
import logging
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.utils.translation import gettext as _

from trama.lib.numbers import format_number

from .columns import COLUMN_NAMES, IN_KIND, REQUIRED

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 20 * 1024 * 1024
# Rows are checked one by one and recorded in bulk (services.record_entries); the cap keeps a
# single upload's memory bounded.
MAX_ROWS = 200_000
EXTENSIONS = ("csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"
# A row with values beyond the header's columns carries how many under this key.
EXTRA = "__extra__"


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


def too_many_rows() -> FileProblem:
    return FileProblem(
        _("The file has more than %(max)s rows: split it into smaller files.")
        % {"max": format_number(MAX_ROWS, 0)}
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
        raise too_many_rows()
