"""Co-production reports: the lead's draft, each party's actual resources, submission as
ledger ACTUAL entries, and the RUP's verification through the ledger's own events.

A report is DRAFT while the lead and the partners work on it; submitting writes every new
line as a pending ACTUAL entry (the line keeps it in `entry`); the RUP accepts the report
(every pending actual of it is accepted) or requests changes naming the lines (their entries
are rejected, the line keeps the reason) and the report goes back to the lead. A corrected
line is a new line that comes with the resubmission: the ledger is never edited.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.ledger.measure import latest_verification
from trama.ledger.models import Kind, Verification
from trama.ledger.services import attach_evidence, check_evidence, entry_fields, verify_entry
from trama.ledger.services import record_entry as record_ledger_entry
from trama.lib.files import sha256_of
from trama.lib.numbers import QUANTITY, clean_number
from trama.notifications.models import Kind as NoticeKind
from trama.organizations.access import member_org_ids
from trama.procedures.services.base import check_actor, event, locked
from trama.procedures.workflow import RUP, check_act

from ..beneficiaries import group_value
from ..models import (
    Agreement,
    BeneficiaryCount,
    IndicatorValue,
    Party,
    Report,
    ReportingPeriod,
    ReportLine,
)
from .notices import notify_parties, notify_rup

RState = Report.State
EDITABLE = (RState.DRAFT, RState.CHANGES_REQUESTED)


def report_path(report: Report) -> str:
    return reverse("agreements:report", args=[report.agreement_id, report.period.number])


def _parties_of(agreement: Agreement, by) -> list[Party]:
    org_ids = member_org_ids(by)
    return [p for p in agreement.parties.filter(active=True) if p.organization_id in org_ids]


def check_lead(agreement: Agreement, by) -> Party:
    """`by` is a member of the agreement's lead body."""
    for party in _parties_of(agreement, by):
        if party.role == Party.Role.LEAD:
            return party
    raise PermissionDenied(_("Only the lead body prepares and submits the report."))


def _check_in_progress(agreement: Agreement) -> None:
    check_act(
        agreement.procedure,
        "submit_report",
        _("Reports are prepared while the agreement is in progress."),
    )


def _check_period(agreement: Agreement, period) -> ReportingPeriod:
    if not isinstance(period, ReportingPeriod):
        period = ReportingPeriod.objects.filter(agreement=agreement, number=period).first()
    if period is None or period.agreement_id != agreement.pk:
        raise ValidationError(
            _("This period is not in the agreement's reporting calendar."),
            code="period_outside_agreement",
        )
    return period


def _editable(report: Report) -> Report:
    """The report's row, locked, while the lead and the partners may still change it."""
    report = Report.objects.select_for_update().select_related("period").get(pk=report.pk)
    if report.state not in EDITABLE:
        raise ValidationError(
            _("This report was submitted: it can no longer be changed."),
            code="already_submitted",
        )
    return report


def open_report(agreement: Agreement, period, *, by) -> Report:
    """The lead opens the period's report draft (or finds the one already open)."""
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        agreement.procedure = procedure
        _check_in_progress(agreement)
        period = _check_period(agreement, period)
        check_lead(agreement, by)
        report = Report.objects.filter(period=period).first()
        if report is not None:
            return report
        report = Report.objects.create(agreement=agreement, period=period)
        event(procedure, "report.opened", by=by, target=report, period=period.number)
    return report


@dataclass(frozen=True)
class Beneficiaries:
    group: str  # a Group value
    count: int
    label: str = ""  # for Group.OTHER


def save_report(
    report: Report,
    *,
    by,
    activities: str,
    public_summary: str,
    indicator_values: dict | None = None,
    beneficiaries: list | None = None,
) -> Report:
    """The lead writes the activities, the public summary, indicators and beneficiary counts.

    `indicator_values` maps indicator ids to values (None clears one); `beneficiaries` is a
    list of `Beneficiaries` and replaces the counts: aggregated counts only, checked so that
    no group could hold a person's data.
    """
    agreement = report.agreement
    counts = []
    errors = {}
    for row in beneficiaries or []:
        try:
            group = group_value(row.group, row.label)
        except ValidationError as exc:
            errors.setdefault("beneficiaries", []).extend(exc.error_list)
            continue
        count = int(row.count)
        if count < 0:
            errors.setdefault("beneficiaries", []).append(
                ValidationError(_("A count can't be negative."), code="negative")
            )
            continue
        counts.append(BeneficiaryCount(report=report, group=group, count=count))
    if len({c.group for c in counts}) != len(counts):
        errors.setdefault("beneficiaries", []).append(
            ValidationError(_("Each group is counted once."), code="duplicate_group")
        )
    values = {}
    indicators = {i.pk: i for i in agreement.indicators.all()}
    for indicator_id, value in (indicator_values or {}).items():
        if int(indicator_id) not in indicators:
            errors.setdefault("indicators", []).append(
                ValidationError(_("This indicator is not in the agreement."), code="invalid")
            )
            continue
        if value in (None, ""):
            values[int(indicator_id)] = None
            continue
        try:
            values[int(indicator_id)] = clean_number(value, QUANTITY, "indicators")
        except ValidationError as exc:
            errors.setdefault("indicators", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        agreement.procedure = procedure
        _check_in_progress(agreement)
        check_lead(agreement, by)
        report = _editable(report)
        report.activities = (activities or "").strip()
        report.public_summary = (public_summary or "").strip()
        report.save(update_fields=["activities", "public_summary"])
        if beneficiaries is not None:
            report.beneficiaries.all().delete()
            BeneficiaryCount.objects.bulk_create(counts)
        for indicator_id, value in values.items():
            if value is None:
                IndicatorValue.objects.filter(report=report, indicator_id=indicator_id).delete()
            else:
                IndicatorValue.objects.update_or_create(
                    report=report, indicator_id=indicator_id, defaults={"value": value}
                )
        event(procedure, "report.saved", by=by, target=report)
    return report


def _check_line_body(agreement: Agreement, by, contributor) -> Party:
    """The line's body is a party (lead or partner) and `by` is one of its members."""
    party = agreement.parties.filter(organization=contributor, active=True).first()
    if party is None or party.role == Party.Role.PUBLIC_BODY:
        raise PermissionDenied(
            _("%(name)s is not a party to this agreement: it can't report resources in it.")
            % {"name": contributor.name}
        )
    if contributor.pk not in member_org_ids(by):
        raise PermissionDenied(
            _("Only members of %(name)s enter its resources.") % {"name": contributor.name}
        )
    return party


def _line_values(report: Report, *, by, contributor, fields) -> dict:
    """The line's columns, checked by the ledger's own rules (`entry_fields`) and the period."""
    agreement = report.agreement
    procedure = agreement.procedure
    period = report.period
    _check_line_body(agreement, by, contributor)
    row = entry_fields(
        by=by,
        program=procedure.program,
        kind=Kind.ACTUAL,
        contributor=contributor,
        procedure=procedure,
        **fields,
    )
    if not period.starts_on.year <= row.year <= period.ends_on.year:
        raise ValidationError(
            {
                "year": ValidationError(
                    _("The year must fall within the period reported (%(start)s–%(end)s).")
                    % {"start": period.starts_on.year, "end": period.ends_on.year},
                    code="year_outside_period",
                )
            }
        )
    return {
        "contributor": contributor,
        "source": row.source,
        "category": row.category,
        "year": row.year,
        "amount": row.amount,
        "funder": row.funder,
        "grant_reference": row.grant_reference,
        "quantity": getattr(row, "quantity", None),
        "unit": getattr(row, "unit", "") or "",
        "unit_value": getattr(row, "unit_value", None),
        "rate": getattr(row, "rate", None),
        "valuation_note": getattr(row, "valuation_note", "") or "",
        "description": row.description,
    }


def _keep_evidence(line: ReportLine, evidence) -> None:
    extension = check_evidence(evidence)
    line.evidence_name = (evidence.name or "")[:255]
    line.evidence_sha256 = sha256_of(evidence)
    line.evidence.save(f"{line.evidence_sha256[:32]}.{extension}", evidence, save=False)


def add_report_line(report: Report, *, by, contributor, evidence=None, **fields) -> ReportLine:
    """A party enters one of its actual resources in the report draft, valued as the ledger does.

    `fields` are the ledger's: source, category, year, amount or quantity/unit/unit_value/rate,
    funder, grant_reference, description. The ledger's own rules check them here
    (`entry_fields`), so the entry the line becomes at submission cannot be refused.
    """
    procedure = report.agreement.procedure
    values = _line_values(report, by=by, contributor=contributor, fields=fields)
    line = ReportLine(report=report, created_by=by, **values)
    if evidence:
        _keep_evidence(line, evidence)
    try:
        with transaction.atomic():
            locked(procedure)
            _check_in_progress(report.agreement)
            _editable(report)
            line.save()
            event(
                procedure,
                "report.line_added",
                by=by,
                target=line,
                report=report.pk,
                contributor=contributor.pk,
                amount=str(line.amount),
            )
    except Exception:
        if line.evidence:
            line.evidence.delete(save=False)
        raise
    return line


def update_report_line(line: ReportLine, *, by, contributor, evidence=None, **fields) -> ReportLine:
    """A party corrects one of its draft lines (not yet an entry); a new file replaces the
    evidence, none keeps it. A submitted line is never edited: a corrected one is added."""
    report = line.report
    procedure = report.agreement.procedure
    _check_line_body(report.agreement, by, line.contributor)
    values = _line_values(report, by=by, contributor=contributor, fields=fields)
    old_file = line.evidence.name if line.evidence else ""
    try:
        with transaction.atomic():
            locked(procedure)
            _check_in_progress(report.agreement)
            _editable(report)
            line = ReportLine.objects.select_for_update().get(pk=line.pk)
            if line.entry_id:
                raise ValidationError(
                    _("This line was submitted: it stays in the ledger. Add a corrected line."),
                    code="line_submitted",
                )
            for name, value in values.items():
                setattr(line, name, value)
            if evidence:
                _keep_evidence(line, evidence)
            line.save()
            event(
                procedure,
                "report.line_changed",
                by=by,
                target=line,
                report=report.pk,
                contributor=contributor.pk,
                amount=str(line.amount),
            )
    except Exception:
        if evidence and line.evidence and line.evidence.name != old_file:
            line.evidence.delete(save=False)
        raise
    return line


def remove_report_line(line: ReportLine, *, by) -> None:
    """A draft line (not yet an entry) is removed by its body's members."""
    report = line.report
    procedure = report.agreement.procedure
    _check_line_body(report.agreement, by, line.contributor)
    with transaction.atomic():
        locked(procedure)
        _editable(report)
        line = ReportLine.objects.select_for_update().get(pk=line.pk)
        if line.entry_id:
            raise ValidationError(
                _("This line was submitted: it stays in the ledger. Add a corrected line."),
                code="line_submitted",
            )
        event(procedure, "report.line_removed", by=by, target=report, line=line.pk)
        line.delete()


def submit_report(report: Report, *, by) -> Report:
    """The lead submits: every new line becomes a pending ledger ACTUAL, with its evidence."""
    agreement = report.agreement
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        agreement.procedure = procedure
        _check_in_progress(agreement)
        check_lead(agreement, by)
        report = Report.objects.select_for_update().select_related("period").get(pk=report.pk)
        if report.state not in EDITABLE:
            raise ValidationError(
                _("This report was already submitted (%(state)s).")
                % {"state": report.get_state_display()},
                code="already_submitted",
            )
        if not report.activities:
            raise ValidationError(
                {
                    "activities": ValidationError(
                        _("Describe the activities carried out before submitting."),
                        code="activities_required",
                    )
                }
            )
        new_lines = list(report.lines.filter(entry__isnull=True).select_related("contributor"))
        for line in new_lines:
            entry = record_ledger_entry(
                by=line.created_by,
                program=procedure.program,
                contributor=line.contributor,
                check_permission=False,
                kind=Kind.ACTUAL,
                source=line.source,
                category=line.category,
                year=line.year,
                amount=line.amount,
                quantity=line.quantity,
                unit=line.unit,
                unit_value=line.unit_value,
                rate=line.rate,
                funder=line.funder,
                grant_reference=line.grant_reference,
                description=line.description or _("Report %(n)s") % {"n": report.period.number},
                procedure=procedure,
            )
            line.entry = entry
            line.save(update_fields=["entry"])
            if line.evidence:
                with line.evidence.open("rb") as stored:
                    upload = SimpleUploadedFile(line.evidence_name or "evidence", stored.read())
                attach_evidence(entry, by=line.created_by, upload=upload)
        report.state = RState.SUBMITTED
        report.submitted_at = timezone.now()
        report.submitted_by = by
        report.save(update_fields=["state", "submitted_at", "submitted_by"])
        event(
            procedure,
            "report.submitted",
            by=by,
            target=report,
            period=report.period.number,
            lines=len(new_lines),
        )
        notify_rup(
            procedure,
            NoticeKind.REPORT_SUBMITTED,
            template="agreements/email/report_submitted",
            context={"report": report, "procedure": procedure},
            path=report_path(report),
            by=by,
        )
    return report


def pending_lines(report: Report):
    """The report's submitted lines whose entry awaits verification."""
    lines = report.lines.filter(entry__isnull=False).select_related("entry", "contributor")
    return [
        line for line in lines if latest_verification(line.entry_id) == Verification.Status.PENDING
    ]


def verify_report(
    report: Report, *, by, accept: bool, reason: str = "", lines: dict | None = None
) -> Report:
    """The RUP accepts the report (and every pending actual of it) or requests changes.

    `lines` maps the ids of the lines to correct to the reason for each: their entries are
    rejected through the ledger's verification events; the others stay pending until the
    report is accepted.
    """
    reason = (reason or "").strip()
    lines = {int(k): (v or "").strip() for k, v in (lines or {}).items()}
    agreement = report.agreement
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        agreement.procedure = procedure
        check_actor(procedure, by, RUP)
        check_act(
            procedure,
            "verify_report",
            _("Reports are verified while the agreement is in progress."),
        )
        report = Report.objects.select_for_update().select_related("period").get(pk=report.pk)
        if report.state != RState.SUBMITTED:
            raise ValidationError(
                _("This report is not awaiting verification (%(state)s).")
                % {"state": report.get_state_display()},
                code="already_verified",
            )
        pending = {line.pk: line for line in pending_lines(report)}
        if accept:
            for line in pending.values():
                verify_entry(line.entry, by=by, accept=True)
            report.state = RState.ACCEPTED
        else:
            if not lines and not reason:
                raise ValidationError(
                    {
                        "reason": ValidationError(
                            _("Name the lines to correct, or say what to change."),
                            code="reason_required",
                        )
                    }
                )
            for line_id, line_reason in lines.items():
                line = pending.get(line_id)
                if line is None:
                    raise ValidationError(
                        {
                            "lines": ValidationError(
                                _(
                                    "Only lines of this report awaiting verification can be "
                                    "sent back."
                                ),
                                code="invalid_line",
                            )
                        }
                    )
                if not line_reason:
                    raise ValidationError(
                        {
                            "lines": ValidationError(
                                _("Say what to correct in each line you send back."),
                                code="reason_required",
                            )
                        }
                    )
                verify_entry(line.entry, by=by, accept=False, reason=line_reason, tell=False)
                line.change_reason = line_reason[:300]
                line.save(update_fields=["change_reason"])
            report.state = RState.CHANGES_REQUESTED
        report.decided_at = timezone.now()
        report.decided_by = by
        report.decision_reason = reason
        report.save(update_fields=["state", "decided_at", "decided_by", "decision_reason"])
        event(
            procedure,
            "report.accepted" if accept else "report.changes_requested",
            by=by,
            target=report,
            period=report.period.number,
            lines=sorted(lines),
            reason=reason,
        )
        context = {"report": report, "procedure": procedure, "reason": reason}
        if accept:
            notify_parties(
                agreement,
                NoticeKind.REPORT_ACCEPTED,
                template="agreements/email/report_accepted",
                context=context,
                path=report_path(report),
                by=by,
            )
        else:
            bodies = {pending[pk].contributor_id for pk in lines}
            notify_parties(
                agreement,
                NoticeKind.REPORT_CHANGES,
                template="agreements/email/report_changes",
                context={**context, "lines": [pending[pk] for pk in lines]},
                path=report_path(report),
                by=by,
                only=lambda party: party.role == Party.Role.LEAD or party.organization_id in bodies,
            )
    return report
