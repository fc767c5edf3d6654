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
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
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
    # A beneficiary's advantages from this body in the year, summed over its acts.
    over = (
        Tranche.objects.filter(
            Exists(
                published.filter(
                    agreement=OuterRef("agreement"), organization=OuterRef("payee")
                ).values("pk")
            )
        )
        .order_by()
        .values("payee")
        .annotate(total=Sum("amount"))
        .filter(total__gt=THRESHOLD)
        .values("payee")
    )
    return (
        published.filter(organization__in=Subquery(over))
        .select_related("organization", "agreement__procedure")
        .order_by("organization__name", "organization_id", "agreement__signed_at", "pk")
    )


def rows(parties_page) -> list[Row]:
    """The rows of some parties (a page of `parties`), with their payments: two queries."""
    parties_page = list(parties_page)
    wanted = {(p.agreement_id, p.organization_id) for p in parties_page}
    payments = {}
    if wanted:
        for payment in (
            Payment.objects.filter(
                tranche__agreement__in={a for a, _o in wanted},
                tranche__payee__in={o for _a, o in wanted},
            )
            .select_related("tranche")
            .order_by("paid_on", "pk")
        ):
            key = (payment.tranche.agreement_id, payment.tranche.payee_id)
            if key in wanted:
                payments.setdefault(key, []).append(
                    PaymentRow(payment.paid_on, payment.amount, payment.order_number)
                )
    found = []
    for party in parties_page:
        agreement = party.agreement
        found.append(
            Row(
                party_id=party.pk,
                agreement_id=agreement.pk,
                beneficiary=party.organization.name,
                tax_code=party.organization.tax_code or "",
                amount=Decimal(party.amount).quantize(CENT),
                legal_basis=party.legal_basis,
                office=party.office,
                official=party.official,
                selection_method=party.selection_method,
                project=agreement.procedure.title,
                project_url=reverse("agreements:public", args=[agreement.pk]),
                act_date=timezone.localdate(agreement.signed_at),
                published_at=party.published_at,
                payments=payments.get((agreement.pk, party.organization_id), []),
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


def to_xlsx(found: list[Row], absolute, *, title: str, notes: list[tuple[str, str]]):
    """An XLSX workbook (openpyxl, as the ledger's exports): the list, a sheet with one row
    per payment, then a sheet of notes (publisher, year, threshold, licence). Amounts stay
    numbers in a euro format, dates are dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)

    def head(text):
        cell = WriteOnlyCell(sheet, value=_safe(str(text)))
        cell.font = bold
        return cell

    sheet.append([head(label) for _key, label in HEADER])
    for row in found:
        cells = []
        for index, value in enumerate(flat(row, absolute)):
            if index in MONEY_COLUMNS:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "#,##0.00"
                cells.append(cell)
            elif index in DATE_COLUMNS:
                cell = WriteOnlyCell(sheet, value=date.fromisoformat(value))
                cell.number_format = "dd/mm/yyyy"
                cells.append(cell)
            else:
                cells.append(ILLEGAL_CHARACTERS_RE.sub("", _safe(str(value))))
        sheet.append(cells)
    paid = workbook.create_sheet(_("Payments")[:31])
    paid.append(
        [
            head(label)
            for label in (
                _("Beneficiary"),
                _("Tax code"),
                _("Selected project"),
                _("Paid on"),
                _("Amount (€)"),
                _("Payment order number"),
            )
        ]
    )
    for row in found:
        for payment in row.payments:
            when = WriteOnlyCell(paid, value=payment.paid_on)
            when.number_format = "dd/mm/yyyy"
            amount = WriteOnlyCell(paid, value=payment.amount)
            amount.number_format = "#,##0.00"
            paid.append(
                [
                    ILLEGAL_CHARACTERS_RE.sub("", _safe(row.beneficiary)),
                    row.tax_code,
                    ILLEGAL_CHARACTERS_RE.sub("", _safe(row.project)),
                    when,
                    amount,
                    ILLEGAL_CHARACTERS_RE.sub("", _safe(payment.order_number)),
                ]
            )
    about = workbook.create_sheet(_("Notes")[:31])
    for key, value in notes:
        about.append([head(key), ILLEGAL_CHARACTERS_RE.sub("", _safe(str(value)))])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and deletes) it
    workbook.save(out)
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
