"""Co-production under an agreement: submit a report, verify it, record a payment, close.

Every act calls the agreements' services and access helper, as the pages do: the lead
body's members submit, the procedure's RUP verifies, pays and closes. Report contents are
not returned here: only states, and the ledger entries each line became.
"""

from datetime import date, datetime
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from trama.agreements.access import access_agreement
from trama.agreements.models import Agreement, Report, Tranche
from trama.agreements.services import closing, payments, reports
from trama.lib.numbers import AMOUNT

from .auth import TokenAuth
from .bounds import LONG_TEXT, Amount, Id, InputSchema, Text, bounded
from .errors import errors
from .schemas import money

router = Router(tags=["agreements"])
WRITE = {"auth": TokenAuth(write=True)}
# Reporting periods are numbered from 1; an agreement has a few dozen at most.
PeriodNumber = Annotated[int, Field(ge=1, le=32767)]


class ReportLineOut(Schema):
    id: int
    contributor: str
    amount: str
    entry: int | None
    change_reason: str

    @staticmethod
    def resolve_contributor(obj):
        return obj.contributor.slug

    @staticmethod
    def resolve_amount(obj):
        return money(obj.amount)

    @staticmethod
    def resolve_entry(obj):
        return obj.entry_id


class ReportOut(Schema):
    id: int
    agreement: int
    period: int
    state: str
    submitted_at: datetime | None
    decided_at: datetime | None
    lines: list[ReportLineOut]

    @staticmethod
    def resolve_agreement(obj):
        return obj.agreement_id

    @staticmethod
    def resolve_period(obj):
        return obj.period.number

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("contributor").order_by("pk"))


class LineDecisionIn(InputSchema):
    line: Id
    reason: Text(300)


class ReportVerifyIn(InputSchema):
    accept: bool
    reason: Text(LONG_TEXT) = ""
    lines: list[LineDecisionIn] = Field(default=[], max_length=1000)


class PaymentIn(InputSchema):
    paid_on: date
    amount: Amount
    order_number: Text(80)


class PaymentOut(Schema):
    id: int
    tranche: int
    paid_on: date
    amount: str
    order_number: str
    entry: int

    @staticmethod
    def resolve_tranche(obj):
        return obj.tranche_id

    @staticmethod
    def resolve_amount(obj):
        return money(obj.amount)

    @staticmethod
    def resolve_entry(obj):
        return obj.entry_id


class CloseIn(InputSchema):
    act_number: Text(80)
    act_date: date
    reasons: Text(LONG_TEXT)


class AgreementStateOut(Schema):
    id: int
    state: str
    completed_at: datetime | None

    @staticmethod
    def resolve_state(obj):
        return obj.procedure.state


def _report(agreement: Agreement, number: int) -> Report:
    report = Report.objects.filter(agreement=agreement, period__number=number).first()
    if report is None:
        raise Http404(_("No such report."))
    return report


@router.post(
    "/agreements/{agreement_id}/reports/{number}/submit",
    response={200: ReportOut, **errors(400, 401, 403, 404, 422)},
    summary="Submit a report",
    **WRITE,
)
def submit_report(request, agreement_id: Id, number: PeriodNumber):
    """The lead body submits the period's report draft: each new resource line becomes a
    pending ledger ACTUAL. Refused for a period outside the agreement
    (`period_outside_agreement`) or a report already submitted (`already_submitted`)."""
    agreement = access_agreement(request.user, agreement_id).agreement
    report = Report.objects.filter(agreement=agreement, period__number=number).first()
    if report is None:  # refused with its reason for a period outside the agreement
        report = reports.open_report(agreement, number, by=request.user)
    return reports.submit_report(report, by=request.user)


@router.post(
    "/agreements/{agreement_id}/reports/{number}/verify",
    response={200: ReportOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Verify a report",
    **WRITE,
)
def verify_report(request, agreement_id: Id, payload: ReportVerifyIn, number: PeriodNumber):
    """The RUP accepts the report (every pending actual of it is accepted) or requests
    changes, naming in `lines` the lines to correct with a reason each (their entries are
    rejected). 409 `already_verified` once decided."""
    agreement = access_agreement(request.user, agreement_id, rup=True).agreement
    report = _report(agreement, number)
    return reports.verify_report(
        report,
        by=request.user,
        accept=payload.accept,
        reason=payload.reason,
        lines={row.line: row.reason for row in payload.lines},
    )


@router.post(
    "/agreements/{agreement_id}/tranches/{tranche_id}/payment",
    response={201: PaymentOut, **errors(400, 401, 403, 404, 422)},
    summary="Record a payment",
    **WRITE,
)
def record_payment(request, agreement_id: Id, tranche_id: Id, payload: PaymentIn):
    """The RUP records the payment of a tranche whose condition is met, once
    (`condition_not_met`, `already_paid`, `not_published` before the art. 27 publication)."""
    agreement = access_agreement(request.user, agreement_id, rup=True).agreement
    tranche = Tranche.objects.filter(agreement=agreement, pk=tranche_id).first()
    if tranche is None:
        raise Http404(_("No such tranche."))
    amount = bounded(amount=(payload.amount, AMOUNT))["amount"]
    payment = payments.record_payment(
        tranche,
        by=request.user,
        paid_on=payload.paid_on,
        amount=amount,
        order_number=payload.order_number,
    )
    return Status(201, payment)


@router.post(
    "/agreements/{agreement_id}/close",
    response={200: AgreementStateOut, **errors(400, 401, 403, 404, 422)},
    summary="Close an agreement",
    **WRITE,
)
def close_agreement(request, agreement_id: Id, payload: CloseIn):
    """The RUP's closing act once the final report is accepted (`final_report_missing`):
    the procedure becomes COMPLETED."""
    agreement = access_agreement(request.user, agreement_id, rup=True).agreement
    agreement = closing.complete_agreement(
        agreement,
        by=request.user,
        act_number=payload.act_number,
        act_date=payload.act_date,
        reasons=payload.reasons,
    )
    agreement.procedure.refresh_from_db()
    return agreement
