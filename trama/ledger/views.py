"""Ledger pages: programs, their figures, the entries and the queues that verify them."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.lib.refusals import add_refusal, refusal_messages, refusal_status
from trama.organizations.access import access_organization, funders_of
from trama.organizations.models import Organization
from trama.programs.access import OWNER, access_program
from trama.programs.models import Program

from . import services
from .access import access_entry
from .charts import Links, charts
from .figures import Basis, Scope, compute_figures
from .forms import (
    ConfirmForm,
    EntryFilterForm,
    EntryForm,
    FiguresForm,
    ReasonForm,
    VerifyForm,
)
from .measure import current_measure, latest_confirmation, with_events, with_measure
from .models import (
    ContributorTotal,
    Evidence,
    FunderConfirmation,
    Kind,
    LedgerEntry,
    Level,
    Measure,
    Source,
    Verification,
)

PAGE_SIZE = 50
PROGRAMS_PAGE_SIZE = 20


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- figures ---------------------------------------------------------------------------------


def _contributions_by_program(org, basis, year_from, year_to):
    """What the organisation brought to each program, on the basis, from the roll-ups."""
    rows = ContributorTotal.objects.filter(level=Level.PROGRAM, contributor=org, measure=basis)
    if year_from or year_to:
        rows = rows.exclude(year=0)
        if year_from:
            rows = rows.filter(year__gte=year_from)
        if year_to:
            rows = rows.filter(year__lte=year_to)
    else:
        rows = rows.filter(year=0)
    totals = dict(
        rows.values("scope_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .values_list("scope_id", "total")
    )
    programs = Program.objects.filter(pk__in=totals).select_related("owner").order_by("title")
    return [
        {
            "program": program,
            "amount": totals[program.pk],
            "url": Links(
                reverse("ledger:entries", args=[program.slug]),
                basis,
                year_from,
                year_to,
                contributor=org.pk,
            )(),
        }
        for program in programs
    ]


@require_GET
def organization_dashboard(request, slug):
    org = access_organization(request.user, slug).organization
    form = FiguresForm(request.GET or None)
    basis, year_from, year_to = form.values()
    span = {"basis": basis, "year_from": year_from, "year_to": year_to}
    brought = compute_figures(Scope(Level.CONTRIBUTOR, org.pk), **span)
    no_links = Links(None, basis)
    context = {
        "org": org,
        "form": form,
        "brought": brought,
        "brought_charts": charts(brought, no_links),
        "contributions": _contributions_by_program(org, basis, year_from, year_to),
    }
    if org.is_public_body:
        owned = compute_figures(Scope(Level.OWNER, org.pk), **span)
        context |= {
            "owned": owned,
            "owned_charts": charts(owned, no_links),
            "programs": org.programs.order_by("-start_year", "title"),
        }
    return render(request, "ledger/organization_dashboard.html", context)


# --- entries --------------------------------------------------------------------------------


def _program_contributors(program):
    """The organisations that brought something to the program, read from the roll-up."""
    ids = ContributorTotal.objects.filter(level=Level.PROGRAM, scope_id=program.pk, year=0).values(
        "contributor_id"
    )
    return Organization.objects.filter(pk__in=Subquery(ids)).only("pk", "name").order_by("name")


def _signed(entries):
    return entries.aggregate(
        total=Coalesce(
            Sum(Case(When(reverses__isnull=False, then=-F("amount")), default=F("amount"))),
            Value(Decimal("0")),
        )
    )["total"]


@require_GET
def entry_list(request, slug):
    access = access_program(request.user, slug)
    program = access.program
    form = EntryFilterForm(
        request.GET or None, program=program, contributors=_program_contributors(program)
    )
    filters = form.filters()
    entries = form.filter(
        with_measure(program.entries.select_related("contributor", "funder"))
    ).order_by("-pk")
    query = _query_without_page(request)
    # Pledges and actuals are never added up together: a total needs the kind chosen.
    total = _signed(entries) if ("kind" in filters or "measure" in filters) else None
    context = {
        "access": access,
        "program": program,
        "form": form,
        "page": _page(request, entries),
        "query": query,
        "total": total,
        "total_basis": Basis.LABELS[Basis.PLEDGED]
        if filters.get("kind") == Kind.PLEDGE or filters.get("measure") == EntryFilterForm.PLEDGED
        else None,
        "export_csv": f"{reverse('ledger:entries_export', args=[slug, 'csv'])}?{query}",
        "export_xlsx": f"{reverse('ledger:entries_export', args=[slug, 'xlsx'])}?{query}",
    }
    return render(request, "ledger/entry_list.html", context)


@login_required
def entry_create(request, slug):
    access = access_program(request.user, slug)
    program = access.program
    if not access.can_record:
        raise PermissionDenied(
            _("Resources are recorded by members of an organisation: join or register one first.")
        )
    if access.can_verify:
        contributors = Organization.objects.only("pk", "name").order_by("name")
    else:
        contributors = Organization.objects.filter(pk__in=access.org_ids).order_by("name")
    # The body the user acts for (the header's switch), else the program's owner for its
    # officers, else the user's first body.
    active = request.session.get("active_org")
    if active not in access.org_ids:
        active = (
            program.owner_id
            if access.can_verify
            else contributors.values_list("pk", flat=True).first()
        )
    initial = {"contributor": active}
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    form = EntryForm(
        request.POST or None,
        request.FILES or None,
        program=program,
        contributors=contributors,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                entry = services.record_entry(
                    by=request.user, program=program, **form.service_fields()
                )
                if form.cleaned_data.get("evidence"):
                    services.attach_evidence(
                        entry, by=request.user, upload=form.cleaned_data["evidence"]
                    )
        except (ValidationError, PermissionDenied) as exc:
            add_refusal(request, exc, form)
        else:
            if entry.kind == Kind.ACTUAL and current_measure(entry) == Measure.PENDING:
                note = _("It counts once the public body has verified it.")
            else:
                note = ""
            messages.success(
                request, " ".join([_("Entry #%(id)s recorded.") % {"id": entry.pk}, note])
            )
            return redirect("ledger:entry", slug=slug, entry_id=entry.pk)
    return render(
        request,
        "ledger/entry_form.html",
        {"access": access, "program": program, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def entry_detail(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    entry = access.entry
    original = entry.reverses or entry
    reversal = LedgerEntry.objects.filter(reverses=entry).only("pk", "reason").first()
    measure = current_measure(entry)
    confirmations = list(original.confirmations.select_related("organization").order_by("pk"))
    context = {
        "access": access,
        "program": access.program_access.program,
        "entry": entry,
        "original": original,
        "reversal": reversal,
        "measure": Measure(measure),
        "verifications": list(original.verifications.select_related("organization").order_by("pk")),
        "confirmations": confirmations,
        "confirmation_status": confirmations[-1].status if confirmations else None,
        "evidence": entry.evidence.order_by("pk") if access.can_see_evidence else None,
        "can_reverse": access.can_reverse and reversal is None,
        "can_verify": access.can_verify
        and not entry.is_reversal
        and reversal is None
        and measure == Measure.PENDING,
        "can_confirm": access.can_confirm and not entry.is_reversal,
    }
    return render(request, "ledger/entry_detail.html", context)


@require_GET
def evidence_download(request, slug, entry_id, evidence_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_see_evidence:
        raise Http404(_("No such file."))
    evidence = get_object_or_404(Evidence, pk=evidence_id, entry=access.entry)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def entry_reverse(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_reverse:
        raise PermissionDenied(
            _("Only the contributor's members or the program's public body reverse an entry.")
        )
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        reversal = services.reverse_entry(access.entry, by=request.user, reason=reason)
    except ValidationError as exc:
        add_refusal(request, exc)
        return redirect("ledger:entry", slug=slug, entry_id=entry_id)
    messages.success(request, _("Entry #%(id)s is reversed.") % {"id": entry_id})
    return redirect("ledger:entry", slug=slug, entry_id=reversal.pk)


def _decision_response(request, *, template, entry, default_url, error=None, status=200, **extra):
    """htmx gets the queue row back; a plain form gets a message and a redirect."""
    if request.htmx:
        context = {
            "entry": entry,
            "error": error,
            "status": status,
            "program": entry.program,
            **extra,
        }
        return render(request, template, context, status=status)
    if error:
        messages.error(request, error)
    return redirect(_safe_next(request, default_url))


@login_required
@require_POST
def entry_verify(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_verify:
        raise PermissionDenied(_("Only the program's public body verifies its actuals."))
    entry = access.entry
    form = VerifyForm(request.POST)
    respond = {
        "request": request,
        "template": "ledger/queue.html#row",
        "entry": entry,
        "default_url": reverse("ledger:entry", args=[slug, entry_id]),
    }
    if not form.is_valid():
        return _decision_response(**respond, error=_("Choose to accept or reject."), status=400)
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.verify_entry(
            entry, by=request.user, accept=accept, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        status = refusal_status(exc)
        return _decision_response(**respond, error=" ".join(refusal_messages(exc)), status=status)
    if accept:
        done = _("Entry #%(id)s accepted: it now counts in the figures.") % {"id": entry_id}
    else:
        done = _("Entry #%(id)s rejected.") % {"id": entry_id}
    if not request.htmx:
        messages.success(request, done)
    return _decision_response(**respond, done=done, outcome="accepted" if accept else "rejected")


@login_required
@require_POST
def entry_confirm(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_confirm:
        raise PermissionDenied(_("Only the named funder confirms or disputes this grant."))
    entry = access.entry
    form = ConfirmForm(request.POST)
    respond = {
        "request": request,
        "template": "ledger/funder_queue.html#row",
        "entry": entry,
        "default_url": reverse("ledger:entry", args=[slug, entry_id]),
    }
    if not form.is_valid():
        return _decision_response(**respond, error=_("Choose to confirm or dispute."), status=400)
    confirmed = form.cleaned_data["decision"] == "confirm"
    try:
        services.confirm_grant(
            entry, by=request.user, confirmed=confirmed, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        status = refusal_status(exc)
        entry.confirmation_status = latest_confirmation(entry.pk)
        return _decision_response(**respond, error=" ".join(refusal_messages(exc)), status=status)
    if confirmed:
        done = _("Grant #%(id)s confirmed.") % {"id": entry_id}
    else:
        done = _("Grant #%(id)s disputed: it leaves the accepted figures.") % {"id": entry_id}
    if not request.htmx:
        messages.success(request, done)
    return _decision_response(
        **respond, done=done, outcome="confirmed" if confirmed else "disputed"
    )


# --- queues ---------------------------------------------------------------------------------


@login_required
@require_GET
def verification_queue(request, slug):
    access = access_program(request.user, slug, need=OWNER)
    program = access.program
    entries = (
        with_events(
            program.entries.filter(
                kind=Kind.ACTUAL, reverses__isnull=True, reversal__isnull=True
            ).select_related("contributor", "program")
        )
        .filter(verification_status=Verification.Status.PENDING)
        .order_by("pk")
    )
    return render(
        request,
        "ledger/queue.html",
        {
            "access": access,
            "program": program,
            "page": _page(request, entries),
            "query": _query_without_page(request),
        },
    )


@login_required
@require_GET
def funder_queue(request):
    funders = list(funders_of(request.user).order_by("name"))
    entries = (
        with_events(
            LedgerEntry.objects.filter(
                source=Source.FOUNDATION_GRANT,
                funder__in=funders,
                reverses__isnull=True,
                reversal__isnull=True,
            ).select_related("program", "contributor", "funder")
        )
        .filter(
            Q(confirmation_status__isnull=True)
            | Q(confirmation_status=FunderConfirmation.Status.DISPUTED)
        )
        .order_by("pk")
    )
    return render(
        request,
        "ledger/funder_queue.html",
        {
            "funders": funders,
            "page": _page(request, entries),
            "query": _query_without_page(request),
        },
    )
