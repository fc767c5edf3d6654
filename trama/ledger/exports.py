"""Exports of a program's ledger entries and figures: CSV streamed, XLSX written row by row.

Text cells that a spreadsheet would run as a formula are neutralised with a leading
apostrophe; amounts stay numbers. Which entries are exported is the entry list's business
(its filter form and `measure` annotation); this module only writes them.
"""

import csv
import tempfile
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .figures import Figures
from .models import (
    Category,
    Kind,
    Measure,
    Source,
    Unit,
)
from .vocabulary import ADDITIONAL_SOURCES

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
CHUNK = 2000


def safe_text(value) -> str:
    """Text a spreadsheet shows as text: a leading =, +, -, @, tab or CR gets an apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


# --- entries -------------------------------------------------------------------------------


def entry_header() -> list[str]:
    return [
        _("ID"),
        _("External ID"),
        _("Year"),
        _("Kind"),
        _("Source"),
        _("Category"),
        _("Contributor"),
        _("Contributor's tax code"),
        _("Funder"),
        _("Grant"),
        _("Procedure"),
        _("Amount (€)"),
        _("Signed amount (€)"),
        _("Quantity"),
        _("Unit"),
        _("Unit value (€)"),
        _("Valuation"),
        _("State"),
        _("Reverses"),
        _("Reason"),
        _("Description"),
        _("Recorded at"),
    ]


MONEY_COLUMNS = {11, 12, 15}  # amount, signed amount, unit value


def entry_rows(queryset):
    """One list of plain values per entry: numbers as Decimal/int, times as local datetimes.

    The entries carry the `measure` annotation of the entry list (`measure.with_measure`).
    """
    kinds, sources, categories = dict(Kind.choices), dict(Source.choices), dict(Category.choices)
    units, measures = dict(Unit.choices), dict(Measure.choices)
    for entry in queryset.iterator(chunk_size=CHUNK):
        recorded = timezone.localtime(entry.recorded_at).replace(tzinfo=None, microsecond=0)
        yield [
            entry.pk,
            entry.external_id,
            entry.year,
            str(kinds.get(entry.kind, entry.kind)),
            str(sources.get(entry.source, entry.source)),
            str(categories.get(entry.category, entry.category)),
            entry.contributor.name,
            entry.contributor.tax_code or "",
            entry.funder.name if entry.funder_id else "",
            entry.grant_reference,
            entry.procedure.title if entry.procedure_id else "",
            entry.amount,
            entry.signed_amount,
            entry.quantity,
            str(units.get(entry.unit, entry.unit)) if entry.unit else "",
            entry.unit_value,
            entry.valuation_note,
            str(measures.get(entry.measure, entry.measure)),
            entry.reverses_id,
            entry.reason,
            entry.description,
            recorded,
        ]


# --- writers -------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        # Decimal comma to go with the semicolon: what a spreadsheet set to Italian expects.
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return safe_text(value)


def csv_stream(header, rows):
    """UTF-8 CSV with a byte-order mark (for Excel) and `;` separators, a row at a time."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([safe_text(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_value(v) for v in row])


def xlsx_file(header, rows, *, title, money=()):
    """An XLSX workbook written in write-only mode to a temporary file, rewound.

    Numbers stay numbers (columns in `money` get a euro format), times are dates, and
    text is neutralised against formulas.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=safe_text(text))
        cell.font = bold
        head.append(cell)
    sheet.append(head)

    def cell_for(index, value):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal):
            if index not in money:
                return value
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = MONEY_FORMAT
            return cell
        if hasattr(value, "strftime"):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd hh:mm"
            return cell
        return ILLEGAL_CHARACTERS_RE.sub("", safe_text(value))

    for row in rows:
        sheet.append([cell_for(i, v) for i, v in enumerate(row)])
    # Left open for the response to stream; FileResponse closes it, which deletes it.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    return out


def entries_xlsx(queryset):
    return xlsx_file(
        entry_header(),
        entry_rows(queryset),
        title=_("Resources"),
        money=MONEY_COLUMNS,
    )


# --- figures -------------------------------------------------------------------------------


def figures_header() -> list[str]:
    return [_("Figure"), _("Item"), _("Value")]


def figures_rows(figures: Figures) -> list[list]:
    """The figures of a scope as rows (figure, item, value): amounts in €, rates in %."""
    no_data = _("no data")
    sources, categories = dict(Source.choices), dict(Category.choices)
    rows = [[_("Basis"), str(figures.basis_label), ""]]
    if figures.year_from or figures.year_to:
        years = f"{figures.year_from or ''}–{figures.year_to or ''}"
        rows.append([_("Years"), years, ""])
    if not figures.has_data:
        rows.append([_("Figures"), no_data, ""])
        return rows
    rows += [
        [_("Public resources (P, €)"), "", figures.public],
        [_("Other public funds (€)"), "", figures.other_public],
        [_("Additional resources (A, €)"), "", figures.additional],
        [
            _("Leverage A / P (%)"),
            "",
            figures.leverage if figures.leverage is not None else no_data,
        ],
        [
            _("Multiplier (P + A) / P"),
            "",
            figures.multiplier if figures.multiplier is not None else no_data,
        ],
    ]
    for source in ADDITIONAL_SOURCES:
        if source in figures.by_source:
            rows.append(
                [
                    _("Additional resources by source (€)"),
                    str(sources[source]),
                    figures.by_source[source],
                ]
            )
    for category, amount in figures.by_category.items():
        rows.append([_("Additional resources by category (€)"), str(categories[category]), amount])
    for year, public, other_public, additional in figures.by_year:
        rows.append([_("Public resources by year (€)"), str(year), public])
        rows.append([_("Other public funds by year (€)"), str(year), other_public])
        rows.append([_("Additional resources by year (€)"), str(year), additional])
    for organization, amount in figures.by_contributor:
        rows.append([_("Additional resources by contributor (€)"), organization.name, amount])
    if figures.others_count:
        rows.append(
            [
                _("Additional resources by contributor (€)"),
                (
                    _("more than %(count)s others")
                    if figures.others_capped
                    else ngettext("%(count)s other", "%(count)s others", figures.others_count)
                )
                % {"count": figures.others_count},
                figures.others,
            ]
        )
    rows += [
        [_("Pledged (€)"), "", figures.pledged],
        [_("Accepted actuals (€)"), "", figures.accepted],
        [_("Actuals awaiting verification (€)"), "", figures.pending],
        [_("Rejected actuals (€)"), "", figures.rejected],
        [_("Actual grants disputed by the funder (€)"), "", figures.disputed],
        [
            _(
                "Realisation rate: accepted actual additional resources / pledged additional "
                "resources (%)"
            ),
            "",
            figures.realisation_rate if figures.realisation_rate is not None else no_data,
        ],
    ]
    return rows


def figures_xlsx(figures: Figures):
    return xlsx_file(figures_header(), figures_rows(figures), title=_("Figures"), money={2})
