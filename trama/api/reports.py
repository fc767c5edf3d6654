"""Co-production under an agreement: write a report and its resource lines, submit it,
verify it, record a payment, close or terminate.

Every act calls the agreements' services and access helper, as the pages do: the lead
body's members write and submit the report, each party's members enter its own resources,
the procedure's RUP verifies, pays, closes and terminates. Report contents are not returned
here: only states, and the ledger entries each line became.
"""

import base64
import binascii
from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from trama.agreements.access import access_agreement
from trama.agreements.models import Agreement, Report, ReportLine, Tranche
from trama.agreements.services import closing, payments, reports
from trama.lib.numbers import AMOUNT, QUANTITY

from .agreements import ResourceLineIn, resource_fields
from .auth import TokenAuth
from .bounds import LONG_TEXT, Amount, Id, InputSchema, Quantity, Text, bounded, to_decimal
from .errors import ApiError, errors
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


# --- writing a report ---------------------------------------------------------------------

# A request body is at most DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default): evidence of
# about 1.8 MB, in Base64; larger files go by the page.
MAX_EVIDENCE_BASE64 = 2_400_000


def _draft(request, agreement_id, number, *, open_it=False) -> tuple:
    """The agreement and the period's report, for its parties and officers (403 for anyone
    else, as the pages answer); a report not yet open is opened for the lead (`open_it`)."""
    access = access_agreement(request.user, agreement_id)
    if not access.reads_contents:
        raise PermissionDenied(_("Only the parties prepare the report."))
    report = Report.objects.filter(agreement=access.agreement, period__number=number).first()
    if report is None:
        if not open_it:
            raise Http404(_("No such report."))
        # Refused with its reason for a period outside the agreement, or anyone but the lead.
        report = reports.open_report(access.agreement, number, by=request.user)
    return access, report


class IndicatorValueIn(InputSchema):
    indicator: Id
    value: Quantity | None = Field(None, description="null clears the value.")


class BeneficiariesIn(InputSchema):
    group: Text(
        20,
        description=(
            "CHILDREN, TEENAGERS, YOUNG_PEOPLE, ADULTS, OLDER_PEOPLE, FAMILIES, VOLUNTEERS "
            "or OTHER (with a label)."
        ),
    )
    label: Text(60) = ""
    count: Annotated[int, Field(ge=0, le=10_000_000)]


class ReportSaveIn(InputSchema):
    activities: Text(20_000) = ""
    public_summary: Text(3000) = ""
    indicator_values: list[IndicatorValueIn] = Field(default=[], max_length=1000)
    beneficiaries: list[BeneficiariesIn] | None = Field(
        None, max_length=100, description="Replaces the counts; left out, they stay."
    )


@router.post(
    "/agreements/{agreement_id}/reports/{number}",
    response={200: ReportOut, **errors(400, 401, 403, 404, 422)},
    summary="Save a report's draft",
    **WRITE,
)
def save_report(request, agreement_id: Id, number: PeriodNumber, payload: ReportSaveIn):
    """The lead body writes the activities, the public summary, the indicators' values and
    the beneficiaries' counts (aggregated only: an `OTHER` group's label is refused if it
    could name a person). The period's draft is opened if it is not. Refused for a period
    outside the agreement (`period_outside_agreement`), a report submitted
    (`already_submitted`), an unknown group (`invalid_group`), a group counted twice
    (`duplicate_group`)."""
    access, report = _draft(request, agreement_id, number, open_it=True)
    values, problems = {}, []
    for row in payload.indicator_values:
        try:
            values[row.indicator] = to_decimal(row.value, QUANTITY)
        except ValidationError as error:
            problems.extend(error.error_list)
    if problems:
        raise ValidationError({"indicator_values": problems})
    beneficiaries = None
    if payload.beneficiaries is not None:
        beneficiaries = [
            reports.Beneficiaries(group=row.group, count=row.count, label=row.label)
            for row in payload.beneficiaries
        ]
    return reports.save_report(
        report,
        by=request.user,
        activities=payload.activities,
        public_summary=payload.public_summary,
        indicator_values=values,
        beneficiaries=beneficiaries,
    )


class ReportLineIn(ResourceLineIn):
    evidence_name: Text(255) | None = Field(
        None, description="The evidence's file name: PDF, PNG, JPEG, XLSX, CSV or P7M."
    )
    evidence_base64: Text(MAX_EVIDENCE_BASE64) | None = Field(
        None, description="The evidence's content, Base64-encoded (about 1.8 MB at most)."
    )


def _line_fields(payload: ReportLineIn) -> dict:
    fields = resource_fields(payload)
    fields["evidence"] = None
    if payload.evidence_base64 is not None or payload.evidence_name is not None:
        if not payload.evidence_base64 or not payload.evidence_name:
            message = _("Send the evidence's file name and its content together.")
            raise ApiError(
                400,
                "evidence_incomplete",
                message,
                {"evidence_base64": [{"code": "evidence_incomplete", "message": message}]},
            )
        try:
            content = base64.b64decode(payload.evidence_base64, validate=True)
        except (binascii.Error, ValueError):
            message = _("The file's content is not valid Base64.")
            raise ApiError(
                400,
                "invalid_base64",
                message,
                {"evidence_base64": [{"code": "invalid_base64", "message": message}]},
            ) from None
        fields["evidence"] = SimpleUploadedFile(payload.evidence_name, content)
    return fields


def _line(report, line_id) -> ReportLine:
    line = (
        ReportLine.objects.select_related("report__agreement__procedure", "contributor")
        .filter(report=report, pk=line_id)
        .first()
    )
    if line is None:
        raise Http404(_("No such line."))
    return line


@router.post(
    "/agreements/{agreement_id}/reports/{number}/lines",
    response={201: ReportLineOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a resource line to a report's draft",
    **WRITE,
)
def add_report_line(request, agreement_id: Id, number: PeriodNumber, payload: ReportLineIn):
    """A party's members enter one of its actual resources, valued as the ledger does, with
    optional evidence; it becomes a pending ledger ACTUAL when the report is submitted.
    The period's draft is opened if it is not (by the lead only: 403 for anyone else until
    then). 403 (`forbidden`) for another body's line. Refused e.g. with
    `year_outside_period`, `not_positive`, `too_many_decimals`, `file_type`,
    `already_submitted`."""
    access, report = _draft(request, agreement_id, number, open_it=True)
    line = reports.add_report_line(report, by=request.user, **_line_fields(payload))
    return Status(201, ReportLine.objects.select_related("contributor").get(pk=line.pk))


@router.post(
    "/agreements/{agreement_id}/reports/{number}/lines/{line_id}/update",
    response={200: ReportLineOut, **errors(400, 401, 403, 404, 422)},
    summary="Correct a resource line of a report's draft",
    **WRITE,
)
def update_report_line(
    request, agreement_id: Id, number: PeriodNumber, line_id: Id, payload: ReportLineIn
):
    """Its body's members correct a line not yet submitted; new evidence replaces the old,
    none keeps it. Refused with `line_submitted` for a line already in the ledger (add a
    corrected line instead), and as a new line is."""
    _access, report = _draft(request, agreement_id, number)
    line = reports.update_report_line(
        _line(report, line_id), by=request.user, **_line_fields(payload)
    )
    return ReportLine.objects.select_related("contributor").get(pk=line.pk)


@router.post(
    "/agreements/{agreement_id}/reports/{number}/lines/{line_id}/remove",
    response={200: ReportOut, **errors(400, 401, 403, 404, 422)},
    summary="Remove a resource line from a report's draft",
    **WRITE,
)
def remove_report_line(request, agreement_id: Id, number: PeriodNumber, line_id: Id):
    """Its body's members remove a line not yet submitted (`line_submitted` otherwise).
    Returns the report with the lines that remain."""
    _access, report = _draft(request, agreement_id, number)
    reports.remove_report_line(_line(report, line_id), by=request.user)
    return Report.objects.select_related("period").get(pk=report.pk)


# --- ending early ---------------------------------------------------------------------------


class TerminateIn(InputSchema):
    reasons: Text(5000)
    act_number: Text(80) = ""
    act_date: date | None = None


@router.post(
    "/agreements/{agreement_id}/terminate",
    response={200: AgreementStateOut, **errors(400, 401, 403, 404, 422)},
    summary="Terminate an agreement early",
    **WRITE,
)
def terminate_agreement(request, agreement_id: Id, payload: TerminateIn):
    """The RUP ends the agreement before its term, with its reasons (required): the
    procedure becomes TERMINATED and the pledges not realised (not covered by accepted
    actuals) are reversed in the ledger."""
    agreement = access_agreement(request.user, agreement_id, rup=True).agreement
    agreement = closing.terminate_agreement(
        agreement,
        by=request.user,
        reasons=payload.reasons,
        act_number=payload.act_number,
        act_date=payload.act_date,
    )
    agreement.procedure.refresh_from_db()
    return agreement
