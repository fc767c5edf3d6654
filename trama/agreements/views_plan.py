"""The co-design table's budget plan page: every line, the totals and leverage, and the forms
with which each body enters its own lines (officers: the public contribution)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trama.lib.refusals import attempt, form_page

from .access import PlanAccess, access_plan
from .forms import PlanLineForm
from .models import Agreement, PlanLine
from .services import plan


def _context(access: PlanAccess, form=None, notice="", pending=None) -> dict:
    procedure = access.procedure
    lines = list(
        PlanLine.objects.filter(procedure=procedure)
        .select_related("contributor", "funder", "rate")
        .order_by("-source", "contributor__name", "year", "pk")
    )
    public = [line for line in lines if line.contributor_id == procedure.owner_id]
    bodies = {}
    for line in lines:
        if line.contributor_id != procedure.owner_id:
            bodies.setdefault(line.contributor, []).append(line)
    removable = set(access.editable)
    if access.is_officer and plan.plan_open(procedure):
        # Lines of a body that left the table: the officers clear them.
        removable |= {line.contributor_id for line in lines} - access.bodies - {procedure.owner_id}
    if form is None and access.editable:
        form = PlanLineForm(
            contributors=set(access.editable), procedure=procedure, auto_id="id_line_%s"
        )
    return {
        "access": access,
        "removable": removable,
        "procedure": procedure,
        "agreement": Agreement.objects.filter(procedure=procedure).first(),
        "public_lines": public,
        "body_lines": sorted(bodies.items(), key=lambda item: item[0].name),
        "figures": plan.plan_figures(procedure, [*lines, *([pending] if pending else [])]),
        "pending": pending,
        "form": form,
        "notice": notice,
    }


def plan_page(request, pk):
    access = access_plan(request.user, pk)
    return form_page(request, "agreements/plan.html", _context(access), failed=False)


def _answer(request, access, *, form=None, failed=False, notice=""):
    """htmx: the plan section again (lines, totals, form); otherwise the page or a redirect."""
    if request.htmx:
        return form_page(
            request,
            "agreements/plan.html",
            _context(access, form if failed else None, notice),
            failed=failed,
            partial="plan",
        )
    if failed:
        return form_page(request, "agreements/plan.html", _context(access, form), failed=True)
    if notice:
        messages.success(request, notice)
    return redirect(reverse("agreements:plan", args=[access.procedure.pk]) + "#plan")


@login_required
@require_POST
def plan_add(request, pk):
    access = access_plan(request.user, pk)
    form = PlanLineForm(
        request.POST,
        contributors=set(access.editable),
        procedure=access.procedure,
        auto_id="id_line_%s",
    )
    done = form.is_valid() and attempt(
        request,
        lambda: plan.add_plan_line(access.procedure, by=request.user, **form.cleaned_data),
        form=form,
    )
    return _answer(
        request, access, form=form, failed=not done, notice=_("Line added to the budget plan.")
    )


@login_required
@require_POST
def plan_remove(request, pk, line_id):
    access = access_plan(request.user, pk)
    line = get_object_or_404(PlanLine, pk=line_id, procedure=access.procedure)
    done = attempt(request, lambda: plan.remove_plan_line(line, by=request.user))
    return _answer(request, access, notice=_("Line removed from the budget plan.") if done else "")


@login_required
@require_POST
def plan_preview(request, pk):
    """htmx, as the add form changes: the totals with the line being typed, if it is valid."""
    access = access_plan(request.user, pk)
    form = PlanLineForm(
        request.POST,
        contributors=set(access.editable),
        procedure=access.procedure,
        auto_id="id_line_%s",
    )
    pending = None
    if form.is_valid():
        try:
            pending = plan.check_plan_line(access.procedure, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied):
            pending = None
    context = _context(access, form, pending=pending)
    return render(request, "agreements/plan.html#totals", context)
