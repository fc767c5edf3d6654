"""The art. 26–27 list (D.Lgs. 33/2013) of a public body for a year, and its downloads.

One row per act granting an economic advantage: the public contribution an agreement of the
body grants to a party (the sum of the party's tranches), with its payments. The year is
the act's: the day every party signed the agreement (Europe/Rome). Art. 26 c. 2 asks to
publish the acts above 1,000 € granted to one beneficiary in a calendar year, so a
beneficiary's rows are listed only when the sum of its advantages from this body in the
year exceeds 1,000 € (more than 1,000.00: 1,000.00 exactly is not listed).

A row is on the list once the RUP has marked the contribution published (`Party.published_at`,
which the first payment requires): that date is kept, since the act takes effect from it
(art. 26 c. 3). Its fields are exactly those art. 27 c. 1 names. A natural person never
receives public money through an agreement (`agreements.publication`), so no row can carry
a person's data; the list leaves out, all the same, any beneficiary registered under a
person's codice fiscale, should one come from before that rule.

Amounts are Decimal throughout; the machine formats write them with a decimal point and two
places ("1500.00"), the pages the Italian way.
"""

import csv
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trama.agreements.models import Party, Payment, Tranche

THRESHOLD = Decimal("1000.00")
LICENSE_NAME = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_ID = "CC-BY-4.0"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A codice fiscale of 16 characters is a person's; bodies have 11 digits.
PERSON_TAX_CODE = r"^[A-Za-z0-9]{16}$"


@dataclass
class PaymentRow:
    paid_on: date
    amount: Decimal
    order_number: str


@dataclass
class Row:
    party_id: int
    agreement_id: int
    beneficiary: str
    tax_code: str
    amount: Decimal
    legal_basis: str
    office: str
    official: str
    selection_method: str
    project: str
    project_url: str  # a path; the views make it absolute
    act_date: date
    published_at: datetime
    payments: list = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)


def _money():
    return DecimalField(max_digits=16, decimal_places=2)


def parties(body, year: int):
    """The published contributions of the body's signed agreements whose act falls in
    `year`, each with its amount (the party's tranches), beneficiaries above the threshold
    only, ordered by beneficiary and act."""
    tranches = (
        Tranche.objects.filter(agreement=OuterRef("agreement"), payee=OuterRef("organization"))
        .order_by()
        .values("agreement")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    published = (
        Party.objects.filter(
            agreement__procedure__owner=body,
            agreement__signed_at__isnull=False,
            receives_public_money=True,
            published_at__isnull=False,
        )
        .exclude(organization__tax_code__regex=PERSON_TAX_CODE)
        .annotate(
            act_year=ExtractYear("agreement__signed_at"),
            amount=Coalesce(Subquery(tranches, output_field=_money()), Value(ZERO)),
        )
        .filter(act_year=year, amount__gt=0)
    )
    # A beneficiary's advantages from this body in the year, summed over its acts in the
    # same pass (a window over the year's contributions, not a second scan of the tranches).
    return (
        published.annotate(
            beneficiary_total=Window(Sum("amount"), partition_by=[F("organization_id")])
        )
        .filter(beneficiary_total__gt=THRESHOLD)
        .order_by("organization__name", "organization_id", "agreement__signed_at", "pk")
        # Plain values: a large body's list has ten thousand rows, and building three model
        # instances for each would take longer than the query.
        .values(*ROW_FIELDS)
    )


ROW_FIELDS = (
    "pk",
    "agreement_id",
    "organization_id",
    "organization__name",
    "organization__tax_code",
    "amount",
    "legal_basis",
    "office",
    "official",
    "selection_method",
    "agreement__procedure__title",
    "agreement__signed_at",
    "published_at",
)


def rows(parties_page) -> list[Row]:
    """The rows of some parties (a page of `parties`), with their payments: two queries."""
    parties_page = list(parties_page)
    wanted = {(p["agreement_id"], p["organization_id"]) for p in parties_page}
    payments = {}
    if wanted:
        # Plain values, by agreement only (the pairs are checked here): ten thousand rows
        # would otherwise build twenty thousand model instances and send two long id lists.
        for agreement_id, payee_id, paid_on, amount, order_number in (
            Payment.objects.filter(tranche__agreement__in={a for a, _o in wanted})
            .order_by("paid_on", "pk")
            .values_list(
                "tranche__agreement_id", "tranche__payee_id", "paid_on", "amount", "order_number"
            )
        ):
            key = (agreement_id, payee_id)
            if key in wanted:
                payments.setdefault(key, []).append(PaymentRow(paid_on, amount, order_number))
    # One reverse() for every row: the link differs only by the agreement's id.
    placeholder = 987654321987
    link = reverse("agreements:public", args=[placeholder])
    found = []
    for party in parties_page:
        agreement_id = party["agreement_id"]
        found.append(
            Row(
                party_id=party["pk"],
                agreement_id=agreement_id,
                beneficiary=party["organization__name"],
                tax_code=party["organization__tax_code"] or "",
                amount=Decimal(party["amount"]).quantize(CENT),
                legal_basis=party["legal_basis"],
                office=party["office"],
                official=party["official"],
                selection_method=party["selection_method"],
                project=party["agreement__procedure__title"],
                project_url=link.replace(str(placeholder), str(agreement_id)),
                act_date=timezone.localdate(party["agreement__signed_at"]),
                published_at=party["published_at"],
                payments=payments.get((agreement_id, party["organization_id"]), []),
            )
        )
    return found


def years(body) -> list[int]:
    """The years in which the body has published contributions, newest first."""
    return sorted(
        {
            y
            for y in Party.objects.filter(
                agreement__procedure__owner=body,
                agreement__signed_at__isnull=False,
                receives_public_money=True,
                published_at__isnull=False,
            )
            .annotate(act_year=ExtractYear("agreement__signed_at"))
            .values_list("act_year", flat=True)
            .distinct()
        },
        reverse=True,
    )


def totals(found: list[Row]) -> Decimal:
    return sum((row.amount for row in found), ZERO)


# --- machine formats ----------------------------------------------------------------------

HEADER = (
    ("beneficiary", gettext_lazy("Beneficiary")),
    ("tax_code", gettext_lazy("Tax code")),
    ("amount", gettext_lazy("Amount (€)")),
    ("legal_basis", gettext_lazy("Legal basis of the grant")),
    ("office", gettext_lazy("Office responsible")),
    ("official", gettext_lazy("Official responsible")),
    ("selection_method", gettext_lazy("Method of selecting the beneficiary")),
    ("project", gettext_lazy("Selected project")),
    ("project_url", gettext_lazy("Link to the project")),
    ("act_date", gettext_lazy("Date of the act")),
    ("published_at", gettext_lazy("Published on")),
    ("paid", gettext_lazy("Paid (€)")),
    ("payments", gettext_lazy("Payments")),
    ("license", gettext_lazy("Licence")),
)
MONEY_COLUMNS = {2, 11}
DATE_COLUMNS = {9, 10}  # written as dates in the XLSX, ISO text in the CSV


def plain(amount: Decimal) -> str:
    """A machine-readable amount: decimal point, two places, no grouping."""
    return f"{amount.quantize(CENT):f}"


def _published_on(row: Row) -> str:
    return timezone.localtime(row.published_at).date().isoformat()


def _payments_text(row: Row) -> str:
    return " | ".join(
        f"{p.paid_on.isoformat()} {plain(p.amount)} ({p.order_number})" for p in row.payments
    )


def flat(row: Row, absolute) -> list:
    """A row as the CSV and XLSX write it: amounts as Decimal, dates as ISO text."""
    return [
        row.beneficiary,
        row.tax_code,
        row.amount,
        row.legal_basis,
        row.office,
        row.official,
        row.selection_method,
        row.project,
        absolute(row.project_url),
        row.act_date.isoformat(),
        _published_on(row),
        row.paid,
        _payments_text(row),
        f"{LICENSE_NAME} {LICENSE_URL}",
    ]


def _safe(text: str) -> str:
    """Text a spreadsheet won't run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(found: list[Row], absolute) -> str:
    """Comma-separated UTF-8, a header row, amounts with a decimal point: for machines. It
    opens with a byte-order mark, as the ledger's CSV does, so a spreadsheet reads the
    accents and the euro sign right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(label) for _key, label in HEADER])
    for row in found:
        writer.writerow(
            [plain(v) if isinstance(v, Decimal) else _safe(str(v)) for v in flat(row, absolute)]
        )
    return out.getvalue()


# Characters XML 1.0 can't carry: dropped from the cells written directly below.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = date(1899, 12, 30)
_COLUMNS = [chr(ord("A") + i) for i in range(26)]


def _xml_text(value) -> str:
    text = str(value)
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _xml_rows(rows, kinds: list[str], styles: dict[str, int]) -> str:
    """Rows from the second on, as a sheet's XML: `kinds` says each column's type (text,
    money or day); text inline (never a formula), amounts as numbers, dates as serials."""
    money, day = styles["money"], styles["day"]
    out = []
    for r, values in enumerate(rows, start=2):
        cells = []
        for c, (kind, value) in enumerate(zip(kinds, values, strict=True)):
            ref = f"{_COLUMNS[c]}{r}"
            if kind == "money":
                cells.append(f'<c r="{ref}" s="{money}"><v>{plain(value)}</v></c>')
            elif kind == "day":
                serial = (value - _EXCEL_EPOCH).days
                cells.append(f'<c r="{ref}" s="{day}"><v>{serial}</v></c>')
            else:
                text = _xml_text(value)
                space = ' xml:space="preserve"' if text != text.strip() else ""
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(out)


def _inject(sheet_xml: bytes, rows_xml: str, last_row: int, columns: int) -> bytes:
    """A sheet written by XlsxWriter (its header row only) with the data rows added."""
    text = sheet_xml.decode("utf-8")
    if "<sheetData/>" in text:
        text = text.replace("<sheetData/>", f"<sheetData>{rows_xml}</sheetData>", 1)
    else:
        text = text.replace("</sheetData>", f"{rows_xml}</sheetData>", 1)
    text = re.sub(
        r'<dimension ref="[^"]*"/>',
        f'<dimension ref="A1:{_COLUMNS[columns - 1]}{max(last_row, 1)}"/>',
        text,
        count=1,
    )
    return text.encode("utf-8")


def to_xlsx(found: list[Row], absolute, *, title: str, notes: list[tuple[str, str]]):
    """An XLSX workbook: the list, a sheet with one row per payment, then a sheet of notes
    (publisher, year, threshold, licence). Amounts stay numbers in a euro format, dates are
    dates, text is always text (never read as a formula).

    XlsxWriter writes the workbook — styles, sheets, header rows, notes — and the data rows
    are then written into its sheets as XML directly: a large body's ten thousand rows (two
    hundred thousand cells) take a fraction of a second this way, where a library's
    cell-by-cell calls took several seconds."""
    import xlsxwriter

    scratch = tempfile.TemporaryFile()  # noqa: SIM115 - closed once read back, below
    workbook = xlsxwriter.Workbook(scratch, {"constant_memory": True})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    main_labels = [str(label) for _key, label in HEADER]
    paid_labels = [
        str(label)
        for label in (
            _("Beneficiary"),
            _("Tax code"),
            _("Selected project"),
            _("Paid on"),
            _("Amount (€)"),
            _("Payment order number"),
        )
    ]
    main_kinds = [
        "money" if c in MONEY_COLUMNS else "day" if c in DATE_COLUMNS else "text"
        for c in range(len(main_labels))
    ]
    paid_kinds = ["text", "text", "text", "day", "money", "text"]
    for name, labels, kinds in (
        (title, main_labels, main_kinds),
        (_("Payments"), paid_labels, paid_kinds),
    ):
        sheet = workbook.add_worksheet(str(name)[:31])
        for c, label in enumerate(labels):
            sheet.write_string(0, c, label, bold)
            # The columns' formats (what a cell typed there takes): this also puts the two
            # formats in the workbook's styles, where the rows below refer to them.
            if kinds[c] != "text":
                sheet.set_column(c, c, 14, money if kinds[c] == "money" else day)
    about = workbook.add_worksheet(str(_("Notes"))[:31])
    for r, (key, value) in enumerate(notes):
        about.write_string(r, 0, str(key), bold)
        about.write_string(r, 1, str(value))
    workbook.close()
    styles = {"money": money.xf_index, "day": day.xf_index}

    main = []
    for row in found:
        values = flat(row, absolute)
        for c in DATE_COLUMNS:
            values[c] = date.fromisoformat(values[c])
        main.append(values)
    payments = [
        (row.beneficiary, row.tax_code, row.project, p.paid_on, p.amount, p.order_number)
        for row in found
        for p in row.payments
    ]
    injected = {
        # XlsxWriter names the sheets' files in the order they were added.
        "xl/worksheets/sheet1.xml": (
            _xml_rows(main, main_kinds, styles),
            len(main) + 1,
            len(main_labels),
        ),
        "xl/worksheets/sheet2.xml": (
            _xml_rows(payments, paid_kinds, styles),
            len(payments) + 1,
            len(paid_labels),
        ),
    }
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and deletes) it
    scratch.seek(0)
    with (
        scratch,
        zipfile.ZipFile(scratch) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename in injected:
                data = _inject(data, *injected[info.filename])
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    out.seek(0)
    return out


def as_json(row: Row, absolute) -> dict:
    return {
        "beneficiary": row.beneficiary,
        "tax_code": row.tax_code,
        "amount": plain(row.amount),
        "legal_basis": row.legal_basis,
        "office": row.office,
        "official": row.official,
        "selection_method": row.selection_method,
        "project": row.project,
        "project_url": absolute(row.project_url),
        "act_date": row.act_date.isoformat(),
        "published_at": timezone.localtime(row.published_at).isoformat(),
        "paid": plain(row.paid),
        "payments": [
            {
                "paid_on": p.paid_on.isoformat(),
                "amount": plain(p.amount),
                "order_number": p.order_number,
            }
            for p in row.payments
        ],
    }


def to_json(body, year: int, found: list[Row], absolute, *, generated_at) -> str:
    return json.dumps(
        {
            "publisher": {"name": body.name, "tax_code": body.tax_code or ""},
            "year": year,
            "threshold": plain(THRESHOLD),
            "license": {"id": LICENSE_ID, "name": LICENSE_NAME, "url": LICENSE_URL},
            "generated_at": generated_at.isoformat(),
            "rows": [as_json(row, absolute) for row in found],
        },
        ensure_ascii=False,
        indent=2,
    )
