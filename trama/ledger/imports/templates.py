"""The downloadable templates: the columns, two example rows and (in Excel) the instructions."""

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from trama.programs.models import Program

from ..models import Category, Kind, Source, Unit
from .columns import COLUMN_NAMES, columns


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
    import openpyxl  # imported here: only imports and exports need it
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
