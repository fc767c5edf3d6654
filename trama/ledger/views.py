"""Ledger pages: programs, their figures, the entries and the queues that verify them."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trama.lib.refusals import add_refusal
from trama.organizations.access import access_organization, funders_of
from trama.organizations.models import Organization
from trama.programs.access import OWNER, access_program
from trama.programs.models import Program

from . import services
from .access import access_entry
from .charts import Links, charts
from .figures import Basis, Scope, compute_figures
from .forms import (
    EntryFilterForm,
    EntryForm,
    FiguresForm,
)
from .funders import funder_view
from .measure import current_measure, with_measure
from .models import (
    ContributorTotal,
    Evidence,
    Kind,
    LedgerEntry,
    Level,
    Measure,
)
from .queues import FunderQueueForm, funder_grants, pending_actuals

PAGE_SIZE = 50
PROGRAMS_PAGE_SIZE = 20
# A state clash rather than bad input: someone else decided first, or the entry was reversed.
CONFLICT_CODES = {"already_verified", "already_reversed", "already_confirmed"}


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


def _error_code(exc: ValidationError) -> str | None:
    if hasattr(exc, "error_dict"):
        return None
    return exc.code or next((e.code for e in exc.error_list if e.code), None)


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
    access = access_organization(request.user, slug)
    org = access.organization
    form = FiguresForm(request.GET or None)
    context = {"org": org, "form": form, "is_member": access.is_member}
    if form.refused:
        # The years asked can't be shown: the form says why, and no other years are shown.
        return render(request, "ledger/organization_dashboard.html", context, status=400)
    basis, year_from, year_to = form.values()
    span = {"basis": basis, "year_from": year_from, "year_to": year_to}
    brought = compute_figures(Scope(Level.CONTRIBUTOR, org.pk), **span)
    no_links = Links(None, basis)
    context |= {
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
    if org.kind == Organization.Kind.FUNDER:
        funded = funder_view(org, **span)
        context |= {"funded": funded, "funded_charts": charts(funded.grants, no_links)}
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


# --- queues ---------------------------------------------------------------------------------


@login_required
@require_GET
def verification_queue(request, slug):
    access = access_program(request.user, slug, need=OWNER)
    program = access.program
    return render(
        request,
        "ledger/queue.html",
        {
            "access": access,
            "program": program,
            "page": _page(request, pending_actuals(program).order_by("pk")),
            "query": _query_without_page(request),
        },
    )


@login_required
@require_GET
def funder_queue(request):
    funders = list(funders_of(request.user).order_by("name"))
    form = FunderQueueForm(request.GET or None, funders=funders)
    grants = form.filter(funder_grants(funders))
    return render(
        request,
        "ledger/funder_queue.html",
        {
            "funders": funders,
            "form": form,
            "page": _page(request, grants),
            "query": _query_without_page(request),
            "next": request.get_full_path(),
        },
    )
