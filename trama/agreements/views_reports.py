"""Co-production pages: reports, their drafts and verification, payments, closing acts.

Every page goes through `access_agreement`: report contents (activities, indicators,
beneficiaries, resources, evidence) for the parties and the public body only; anyone else
reads a report's public summary once it is accepted.
"""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from trama.ledger.models import LedgerTotal, Level, Measure, Source
from trama.ledger.services import EVIDENCE_TYPES
from trama.ledger.vocabulary import ADDITIONAL_SOURCES
from trama.lib.refusals import attempt, form_page
from trama.lib.review import Review, reviewed
from trama.organizations.models import Organization

from .access import access_agreement
from .beneficiaries import group_label
from .forms_reports import (
    CloseForm,
    LineForm,
    PaymentForm,
    RemoveLineForm,
    ReportForm,
    TerminateForm,
    VerifyForm,
)
from .models import Party, Payment, Report, ReportingPeriod, ReportLine, Tranche
from .services import closing, payments, reports


def _reports_url(agreement):
    return reverse("agreements:reports", args=[agreement.pk])


def _report_url(agreement, number):
    return reverse("agreements:report", args=[agreement.pk, number])


def _period(access, number) -> ReportingPeriod:
    period = (
        ReportingPeriod.objects.filter(agreement=access.agreement, number=number)
        .select_related("report")
        .first()
    )
    if period is None:
        raise Http404(_("This period is not in the agreement's reporting calendar."))
    return period


def _report_of(period) -> Report | None:
    try:
        return period.report
    except Report.DoesNotExist:
        return None


def reports_list(request, pk):
    """The reporting calendar: each period, its report's state, and what the person can do."""
    access = access_agreement(request.user, pk)
    agreement = access.agreement
    periods = list(agreement.periods.select_related("report").order_by("number"))
    today = timezone.localdate()
    rows = []
    for period in periods:
        report = _report_of(period)
        done = report is not None and report.state in (
            Report.State.SUBMITTED,
            Report.State.ACCEPTED,
        )
        rows.append(
            {
                "period": period,
                "report": report,
                "overdue": not done and period.due_on < today,
            }
        )
    figures = _figures(access.procedure) if access.reads_contents else None
    return render(
        request,
        "agreements/reports.html",
        {
            "figures": figures,
            "access": access,
            "agreement": agreement,
            "procedure": access.procedure,
            "rows": rows,
            "can_prepare": access.is_lead and access.can("submit_report"),
            "can_complete": access.is_rup and access.can("complete"),
            "can_terminate": access.is_rup and access.can("terminate"),
        },
    )


def _figures(procedure) -> dict:
    """Pledged and accepted public and additional resources, and what awaits verification,
    read in one query from the ledger's roll-ups at the procedure's level."""
    rows = (
        LedgerTotal.objects.filter(level=Level.PROCEDURE, scope_id=procedure.pk)
        .values("measure", "source")
        .annotate(total=Sum("amount"))
    )
    figures = defaultdict(lambda: Decimal("0.00"))
    for row in rows:
        if row["source"] == Source.PUBLIC_OWNER:
            side = "public"
        elif row["source"] in ADDITIONAL_SOURCES:
            side = "additional"
        else:
            side = "other_public"
        figures[f"{row['measure'].lower()}_{side}"] += row["total"] or 0
        if row["measure"] == Measure.PENDING:
            figures["pending"] += row["total"] or 0
    return dict(figures)


def _contributors(access):
    return Organization.objects.filter(
        pk__in=[
            p.organization_id
            for p in access.agreement.parties.all()
            if p.role != Party.Role.PUBLIC_BODY and p.organization_id in access.party_ids
        ]
    ).only("pk", "name")


def _report_context(request, access, period, report, **forms):
    lines = []
    if report is not None and access.reads_contents:
        lines = list(
            report.lines.select_related("contributor", "funder", "entry").order_by(
                "contributor__name", "pk"
            )
        )
    editable = report is not None and report.state in reports.EDITABLE
    in_progress = access.can("submit_report")
    context = {
        "access": access,
        "agreement": access.agreement,
        "procedure": access.procedure,
        "period": period,
        "report": report,
        "lines": lines,
        "editable": editable and in_progress,
        "beneficiaries": [(group_label(b.group), b.count) for b in report.beneficiaries.all()]
        if report is not None and access.reads_contents
        else [],
        "indicator_values": list(report.indicator_values.select_related("indicator"))
        if report is not None and access.reads_contents
        else [],
        "can_verify": report is not None
        and report.state == Report.State.SUBMITTED
        and access.is_rup
        and access.can("verify_report"),
        "can_open": report is None and access.is_lead and in_progress,
        **forms,
    }
    if context["editable"]:
        if access.is_lead and "report_form" not in forms:
            context["report_form"] = ReportForm(
                initial=ReportForm.initial_for(report),
                indicators=access.agreement.indicators.all(),
                auto_id="id_report_%s",
            )
        contributors = _contributors(access)
        if contributors and "line_form" not in forms:
            editing = _line_to_edit(request, report, access)
            context["line_form"] = _line_form(
                access, period, None, initial=_line_initial(editing) if editing else None
            )
            context["editing"] = editing
        if "line_form" in context:
            editing = context.get("editing")
            context["line_action"] = (
                reverse(
                    "agreements:report_line_edit",
                    args=[access.agreement.pk, period.number, editing.pk],
                )
                if editing
                else reverse("agreements:report_line", args=[access.agreement.pk, period.number])
            )
    return context


def _line_to_edit(request, report, access):
    """The draft line named by ?riga=, if it is one of the person's bodies'."""
    pk = request.GET.get("riga", "")
    if not pk.isdigit():
        return None
    return ReportLine.objects.filter(
        report=report, pk=int(pk), entry__isnull=True, contributor_id__in=access.party_ids
    ).first()


def _line_initial(line) -> dict:
    in_kind = line.quantity is not None
    return {
        "category": line.category,
        "source": line.source,
        "contributor": line.contributor_id,
        "year": line.year,
        "description": line.description,
        "valuation": LineForm.IN_KIND if in_kind else LineForm.MONEY,
        "amount": None if in_kind else line.amount,
        "quantity": line.quantity,
        "rate": line.rate_id,
        "unit": line.unit if in_kind and not line.rate_id else "",
        "unit_value": line.unit_value if in_kind and not line.rate_id else None,
        "funder": line.funder_id,
        "grant_reference": line.grant_reference,
    }


def _line_form(access, period, data, files=None, initial=None):
    return LineForm(
        data,
        files,
        initial=initial,
        program=access.procedure.program,
        contributors=_contributors(access),
        period=period,
        auto_id="id_line_%s",
    )


def report_detail(request, pk, number):
    access = access_agreement(request.user, pk)
    period = _period(access, number)
    report = _report_of(period)
    if not access.reads_contents and (report is None or report.state != Report.State.ACCEPTED):
        raise Http404(_("No such report."))
    return render(
        request, "agreements/report.html", _report_context(request, access, period, report)
    )


@login_required
@require_POST
def report_open(request, pk, number):
    access = access_agreement(request.user, pk)
    period = _period(access, number)
    attempt(
        request,
        lambda: reports.open_report(access.agreement, period, by=request.user),
        success=_("The report draft is open: the partners can now enter their resources."),
    )
    return redirect(_report_url(access.agreement, number))


def _draft(request, pk, number):
    access = access_agreement(request.user, pk)
    if not access.reads_contents:
        raise PermissionDenied(_("Only the parties prepare the report."))
    period = _period(access, number)
    report = _report_of(period)
    if report is None:
        raise Http404(_("No such report."))
    return access, period, report


@login_required
@require_POST
def report_save(request, pk, number):
    access, period, report = _draft(request, pk, number)
    form = ReportForm(
        request.POST, indicators=access.agreement.indicators.all(), auto_id="id_report_%s"
    )
    if form.is_valid() and attempt(
        request,
        lambda: reports.save_report(report, by=request.user, **form.service_fields()),
        form=form,
        success=_("Report saved."),
    ):
        return redirect(_report_url(access.agreement, number))
    return form_page(
        request,
        "agreements/report.html",
        _report_context(request, access, period, report, report_form=form),
    )


@login_required
@require_POST
def report_line(request, pk, number):
    access, period, report = _draft(request, pk, number)
    form = _line_form(access, period, request.POST, request.FILES)
    if form.is_valid() and attempt(
        request,
        lambda: reports.add_report_line(report, by=request.user, **form.line_fields()),
        form=form,
        success=_("Resource added to the report draft."),
    ):
        return redirect(_report_url(access.agreement, number) + "#risorse")
    return form_page(
        request,
        "agreements/report.html",
        _report_context(request, access, period, report, line_form=form),
    )


@login_required
@require_POST
def report_line_edit(request, pk, number, line_id):
    access, period, report = _draft(request, pk, number)
    line = ReportLine.objects.filter(report=report, pk=line_id).first()
    if line is None:
        raise Http404(_("No such line."))
    form = _line_form(access, period, request.POST, request.FILES)
    if form.is_valid() and attempt(
        request,
        lambda: reports.update_report_line(line, by=request.user, **form.line_fields()),
        form=form,
        success=_("Line corrected."),
    ):
        return redirect(_report_url(access.agreement, number) + "#risorse")
    return form_page(
        request,
        "agreements/report.html",
        _report_context(request, access, period, report, line_form=form, editing=line),
    )


@login_required
def report_line_evidence(request, pk, number, line_id):
    """A line's evidence: for its body's members and the owning public body's officers, as
    the ledger keeps evidence (DESIGN.md, The resource ledger)."""
    access, period, report = _draft(request, pk, number)
    line = ReportLine.objects.filter(report=report, pk=line_id).exclude(evidence="").first()
    if line is None or not (access.is_officer or line.contributor_id in access.party_ids):
        raise Http404(_("No such file."))
    extension = line.evidence.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        line.evidence.open("rb"),
        as_attachment=True,
        filename=line.evidence_name or f"evidence.{extension}",
        content_type=EVIDENCE_TYPES.get(extension, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def report_line_remove(request, pk, number):
    access, period, report = _draft(request, pk, number)
    form = RemoveLineForm(request.POST)
    if form.is_valid():
        line = ReportLine.objects.filter(report=report, pk=form.cleaned_data["line"]).first()
        if line is None:
            raise Http404(_("No such line."))
        attempt(
            request,
            lambda: reports.remove_report_line(line, by=request.user),
            success=_("Line removed."),
        )
    return redirect(_report_url(access.agreement, number) + "#risorse")


@login_required
@require_http_methods(["GET", "POST"])
def report_submit(request, pk, number):
    access, period, report = _draft(request, pk, number)
    back = _report_url(access.agreement, number)
    if not access.is_lead:
        raise PermissionDenied(_("Only the lead body prepares and submits the report."))
    new_lines = report.lines.filter(entry__isnull=True).count()
    return reviewed(
        request,
        Review(
            request,
            title=_("Submit report %(n)s") % {"n": period.number},
            back=back,
            confirm=_("Submit the report"),
        ),
        forms.Form(request.POST if request.method == "POST" else None),
        lambda: reports.submit_report(report, by=request.user),
        consequences=[
            _("The report goes to the procedure manager (RUP) for verification."),
            ngettext(
                "%(n)s new resource line becomes a ledger entry awaiting verification.",
                "%(n)s new resource lines become ledger entries awaiting verification.",
                new_lines,
            )
            % {"n": new_lines},
            _("Nothing in it can be changed unless the RUP requests changes."),
        ],
        success=_("Report submitted: the RUP has been told."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_verify(request, pk, number):
    access = access_agreement(request.user, pk, rup=True)
    period = _period(access, number)
    report = _report_of(period)
    if report is None or report.state != Report.State.SUBMITTED:
        messages.error(request, _("This report is not awaiting verification."))
        return redirect(_report_url(access.agreement, number))
    lines = reports.pending_lines(report)
    form = VerifyForm(
        request.POST if request.method == "POST" else None, lines=lines, auto_id="id_verify_%s"
    )
    return reviewed(
        request,
        Review(
            request,
            title=_("Verify report %(n)s") % {"n": period.number},
            back=_report_url(access.agreement, number),
            confirm=_("Record the decision"),
        ),
        form,
        lambda **_data: reports.verify_report(report, by=request.user, **form.service_fields()),
        consequences=[
            _(
                "Accepting accepts every resource of the report awaiting verification: they "
                "count in the agreement's figures."
            ),
            _(
                "Requesting changes rejects the lines you name, with your reason; the lead and "
                "those lines' bodies are told, and corrected lines come with the resubmission."
            ),
        ],
        details="agreements/_verify_lines.html",
        context={"lines": lines, "report": report},
        success=_("Decision recorded."),
    )


def payments_page(request, pk):
    access = access_agreement(request.user, pk)
    if not access.reads_contents:
        raise Http404(_("No such page."))
    agreement = access.agreement
    accepted = set(
        Report.objects.filter(agreement=agreement, state=Report.State.ACCEPTED).values_list(
            "period_id", flat=True
        )
    )
    published = {p.organization_id for p in agreement.parties.all() if p.published_at is not None}
    today = timezone.localdate()
    rows = []
    tranches = agreement.tranches.select_related("payee", "after_period")
    payments_by_tranche = {
        p.tranche_id: p for p in Payment.objects.filter(tranche__agreement=agreement)
    }
    rows = []
    for tranche in tranches:
        payment = payments_by_tranche.get(tranche.pk)
        met = (tranche.due_on is not None and tranche.due_on <= today) or (
            tranche.after_period_id in accepted
        )
        rows.append(
            {
                "tranche": tranche,
                "payment": payment,
                "met": met,
                "published": tranche.payee_id in published,
                "payable": payment is None
                and met
                and access.is_rup
                and access.can("record_payment"),
            }
        )
    return render(
        request,
        "agreements/payments.html",
        {"access": access, "agreement": agreement, "procedure": access.procedure, "rows": rows},
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_record(request, pk, tranche_id):
    access = access_agreement(request.user, pk, rup=True)
    tranche = (
        Tranche.objects.filter(agreement=access.agreement, pk=tranche_id)
        .select_related("payee")
        .first()
    )
    if tranche is None:
        raise Http404(_("No such tranche."))
    form = PaymentForm(
        request.POST if request.method == "POST" else None,
        initial={"amount": tranche.amount, "paid_on": timezone.localdate()},
        auto_id="id_payment_%s",
    )
    return reviewed(
        request,
        Review(
            request,
            title=_("Record the payment: %(kind)s to %(payee)s")
            % {"kind": tranche.get_kind_display(), "payee": tranche.payee.name},
            back=reverse("agreements:payments", args=[access.agreement.pk]),
            confirm=_("Record the payment"),
        ),
        form,
        lambda **data: payments.record_payment(tranche, by=request.user, **data),
        consequences=[
            _(
                "The payment becomes an actual of the public contribution in the ledger, "
                "accepted at once."
            ),
            _("The payee is told by e-mail."),
        ],
        success=_("Payment recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_complete(request, pk):
    access = access_agreement(request.user, pk, rup=True)
    return reviewed(
        request,
        Review(
            request,
            title=_("Closing act of the agreement"),
            back=_reports_url(access.agreement),
            confirm=_("Close the agreement"),
        ),
        CloseForm(request.POST if request.method == "POST" else None, auto_id="id_close_%s"),
        lambda **data: closing.complete_agreement(access.agreement, by=request.user, **data),
        consequences=[
            _("The procedure becomes completed: no further report or payment can be recorded."),
            _("The agreement's figures, reports and payments stay readable."),
        ],
        success=_("The agreement is closed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_terminate(request, pk):
    access = access_agreement(request.user, pk, rup=True)
    unrealised = closing.unrealised_pledges(access.agreement)
    return reviewed(
        request,
        Review(
            request,
            title=_("End the agreement early"),
            back=_reports_url(access.agreement),
            confirm=_("Terminate the agreement"),
            danger=True,
        ),
        TerminateForm(
            request.POST if request.method == "POST" else None, auto_id="id_terminate_%s"
        ),
        lambda **data: closing.terminate_agreement(access.agreement, by=request.user, **data),
        consequences=[
            _("The procedure becomes terminated: no further report or payment can be recorded."),
            _(
                "Pledges not realised (not covered by accepted actuals) are reversed in the "
                "ledger: %(n)s entries."
            )
            % {"n": len(unrealised)},
        ],
        success=_("The agreement is terminated."),
    )
