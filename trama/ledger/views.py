"""Ledger pages: programs, their figures, the entries and the queues that verify them."""

import secrets
from decimal import Decimal
from pathlib import PurePath
from urllib.parse import urlencode

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
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.lib.cache import cached_page
from trama.lib.cache import versions as cache_versions
from trama.lib.files import sha256_of
from trama.organizations.access import access_organization
from trama.organizations.models import Organization
from trama.procedures.models import Program
from trama.procedures.services import create_program, record_historical_procedure

from . import services
from .access import OWNER, access_entry, access_program
from .figures import Basis, Scope, compute_figures
from .forms import (
    ADDITIONAL,
    ConfirmForm,
    EntryFilterForm,
    EntryForm,
    FiguresForm,
    ProcedureForm,
    ProgramForm,
    ReasonForm,
    VerifyForm,
)
from .models import (
    Category,
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
from .state import current_measure, latest_confirmation, with_state

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


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _error_code(exc: ValidationError) -> str | None:
    if hasattr(exc, "error_dict"):
        return None
    return exc.code or next((e.code for e in exc.error_list if e.code), None)


def with_measure(entries):
    """Entries annotated with `measure`: where each counts in the figures now.

    The rule of `state.measure_for`, in SQL so that the list and its exports can filter on
    it; `with_state` gives a reversal the events of the entry it cancels.
    """
    accepted = Q(verification_status=Verification.Status.ACCEPTED)
    disputed = Q(
        source=Source.FOUNDATION_GRANT,
        confirmation_status=FunderConfirmation.Status.DISPUTED,
    )
    return with_state(entries).annotate(
        measure=Case(
            When(kind=Kind.PLEDGE, then=Value(Measure.PLEDGED)),
            When(accepted & disputed, then=Value(Measure.DISPUTED)),
            When(accepted, then=Value(Measure.ACCEPTED)),
            When(verification_status=Verification.Status.REJECTED, then=Value(Measure.REJECTED)),
            default=Value(Measure.PENDING),
        )
    )


# --- programs -------------------------------------------------------------------------------


def _verified_public_bodies(user):
    return Organization.objects.filter(
        kind=Organization.Kind.PUBLIC_BODY, verified_at__isnull=False, memberships__user=user
    ).order_by("name")


@require_GET
def program_list(request):
    programs = Program.objects.with_territory().order_by("-start_year", "title")
    can_create = request.user.is_authenticated and _verified_public_bodies(request.user).exists()
    return render(
        request,
        "ledger/program_list.html",
        {"page": _page(request, programs, PROGRAMS_PAGE_SIZE), "can_create": can_create},
    )


@login_required
def program_create(request):
    owners = _verified_public_bodies(request.user)
    if not owners.exists():
        raise PermissionDenied(
            _("Only members of a public body verified by the platform staff can open a program.")
        )
    form = ProgramForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            program = create_program(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The program is open: record its resources."))
            return redirect(program)
    return render(
        request,
        "ledger/simple_form.html",
        {"form": form, "title": _("New program"), "submit": _("Open the program")},
        status=400 if form.errors else 200,
    )


@login_required
def procedure_create(request, slug):
    access = access_program(request.user, slug, need=OWNER)
    program = access.program
    form = ProcedureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_historical_procedure(by=request.user, program=program, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The procedure is recorded."))
            return redirect(program)
    return render(
        request,
        "ledger/simple_form.html",
        {
            "form": form,
            "program": program,
            "title": _("Record a past procedure"),
            "intro": _(
                "A procedure that ran before Trama: it is recorded as completed, with no workflow."
            ),
            "submit": _("Record the procedure"),
        },
        status=400 if form.errors else 200,
    )


# --- figures --------------------------------------------------------------------------------


def _width(amount, largest) -> str:
    """A bar's width as a CSS percentage, never localised (a comma would break the CSS)."""
    if not largest or amount <= 0:
        return "0"
    return f"{amount * 100 / largest:.2f}"


class _Links:
    """Drill-down links from a figure to the entries it is made of, or none at all."""

    def __init__(self, url: str | None, basis: str, year_from=None, year_to=None, **fixed):
        self.url = url
        self.base = (
            {"kind": Kind.PLEDGE}
            if basis == Basis.PLEDGED
            else {"kind": Kind.ACTUAL, "state": EntryFilterForm.ACCEPTED}
        )
        self.years = {"year_from": year_from, "year_to": year_to}
        self.fixed = fixed

    def __call__(self, base=True, **params) -> str | None:
        if not self.url:
            return None
        query = {**(self.base if base else {}), **self.years, **self.fixed, **params}
        return f"{self.url}?{urlencode({k: v for k, v in query.items() if v})}"

    def state(self, state: str) -> str | None:
        return self(base=False, kind=Kind.ACTUAL, state=state)


def _charts(figures, links: _Links) -> dict:
    """The figures as rows for the bars and the tables beside them, each with its link."""
    years = []
    largest = max((p + o + a for _y, p, o, a in figures.by_year), default=Decimal(0))
    for year, public, other, additional in figures.by_year:
        years.append(
            {
                "year": year,
                "public": public,
                "other": other,
                "additional": additional,
                "total": public + other + additional,
                "w_public": _width(public, largest),
                "w_other": _width(other, largest),
                "w_additional": _width(additional, largest),
                "url": links(year=year),
                "url_public": links(year=year, source=Source.PUBLIC_OWNER),
                "url_other": links(year=year, source=Source.OTHER_PUBLIC),
                "url_additional": links(year=year, source=ADDITIONAL),
            }
        )
    largest = max(figures.by_source.values(), default=Decimal(0))
    sources = [
        {
            "code": code,
            "label": Source(code).label,
            "group": "public"
            if code == Source.PUBLIC_OWNER
            else "other"
            if code == Source.OTHER_PUBLIC
            else "additional",
            "amount": amount,
            "width": _width(amount, largest),
            "url": links(source=code),
        }
        for code, amount in figures.by_source.items()
    ]
    largest = max(figures.by_category.values(), default=Decimal(0))
    categories = [
        {
            "label": Category(code).label,
            "amount": amount,
            "width": _width(amount, largest),
            "url": links(source=ADDITIONAL, category=code),
        }
        for code, amount in figures.by_category.items()
    ]
    largest = max((amount for _org, amount in figures.by_contributor), default=Decimal(0))
    contributors = [
        {
            "org": org,
            "amount": amount,
            "width": _width(amount, largest),
            "url": links(source=ADDITIONAL, contributor=org.pk),
        }
        for org, amount in figures.by_contributor
    ]
    return {
        "years": years,
        "sources": sources,
        "categories": categories,
        "contributors": contributors,
        "url_public": links(source=Source.PUBLIC_OWNER),
        "url_other": links(source=Source.OTHER_PUBLIC),
        "url_additional": links(source=ADDITIONAL),
        "url_pledged": links(base=False, kind=Kind.PLEDGE),
        "url_accepted": links.state(EntryFilterForm.ACCEPTED),
        "url_pending": links.state(EntryFilterForm.PENDING),
        "url_rejected": links.state(EntryFilterForm.REJECTED),
        "url_disputed": links.state(EntryFilterForm.DISPUTED),
    }


def _narrowing(year_from, year_to, program) -> tuple:
    """The year range as entry-list filters: within the program's years, or left out."""
    start = min(year_from, program.end_year) if year_from else None
    end = max(year_to, program.start_year) if year_to else None
    return (
        start if start and start > program.start_year else None,
        end if end and end < program.end_year else None,
    )


@cached_page("ledger", "organizations", "procedures", "programs")
@require_GET
def program_dashboard(request, slug):
    access = access_program(request.user, slug)
    program = access.program
    form = FiguresForm(request.GET or None, years=program.years)
    basis, year_from, year_to = form.values()
    # Computed only if the template renders the figures (not when its fragment is cached).
    figures = SimpleLazyObject(
        lambda: compute_figures(
            Scope(Level.PROGRAM, program.pk), basis=basis, year_from=year_from, year_to=year_to
        )
    )
    links = _Links(
        reverse("ledger:entries", args=[program.slug]),
        basis,
        *_narrowing(year_from, year_to, program),
    )
    figures_query = urlencode(
        {
            key: value
            for key, value in {
                "view": "figures",
                "basis": "pledged" if basis == Basis.PLEDGED else "accepted",
                "year_from": year_from,
                "year_to": year_to,
            }.items()
            if value
        }
    )
    context = {
        "access": access,
        "program": program,
        "form": form,
        "figures": figures,
        "export_csv": f"{reverse('ledger:entries_export', args=[slug, 'csv'])}?{figures_query}",
        "export_xlsx": f"{reverse('ledger:entries_export', args=[slug, 'xlsx'])}?{figures_query}",
        "charts": SimpleLazyObject(lambda: _charts(figures, links)),
        "procedures": program.procedures.order_by("opened_on", "pk"),
        # The figures fragment is the same for everyone who sees the program.
        "figures_version": cache_versions(("ledger", "organizations", "procedures", "programs")),
    }
    return render(request, "ledger/program_dashboard.html", context)


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
            "url": _Links(
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
    no_links = _Links(None, basis)
    context = {
        "org": org,
        "form": form,
        "brought": brought,
        "brought_charts": _charts(brought, no_links),
        "contributions": _contributions_by_program(org, basis, year_from, year_to),
    }
    if org.is_public_body:
        owned = compute_figures(Scope(Level.OWNER, org.pk), **span)
        context |= {
            "owned": owned,
            "owned_charts": _charts(owned, no_links),
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
    total = _signed(entries) if ("kind" in filters or "state" in filters) else None
    context = {
        "access": access,
        "program": program,
        "form": form,
        "page": _page(request, entries),
        "query": query,
        "total": total,
        "total_basis": Basis.LABELS[Basis.PLEDGED] if filters.get("kind") == Kind.PLEDGE else None,
        "export_csv": f"{reverse('ledger:entries_export', args=[slug, 'csv'])}?{query}",
        "export_xlsx": f"{reverse('ledger:entries_export', args=[slug, 'xlsx'])}?{query}",
    }
    return render(request, "ledger/entry_list.html", context)


def _store_evidence(entry, upload, by) -> Evidence:
    """Keep the file under a random name; the original name is only shown."""
    evidence = Evidence(
        entry=entry,
        name=PurePath(upload.name).name[:255],
        content_type=upload.evidence_type,
        size=upload.size,
        sha256=sha256_of(upload),
        uploaded_by=by,
    )
    evidence.file.save(f"{secrets.token_hex(16)}.{upload.evidence_extension}", upload, save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


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
                    _store_evidence(entry, form.cleaned_data["evidence"], request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
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
        messages.error(request, _error_text(exc))
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
        status = 409 if _error_code(exc) in CONFLICT_CODES else 400
        return _decision_response(**respond, error=_error_text(exc), status=status)
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
        status = 409 if _error_code(exc) in CONFLICT_CODES else 400
        entry.confirmation_status = latest_confirmation(entry.pk)
        return _decision_response(**respond, error=_error_text(exc), status=status)
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
        with_state(
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
    funders = list(
        Organization.objects.filter(
            kind=Organization.Kind.FUNDER, memberships__user=request.user
        ).order_by("name")
    )
    entries = (
        with_state(
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
