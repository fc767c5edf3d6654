"""Partnership pages: the list, one partnership, recording one, and an entity's shares."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.agreements.models import Agreement
from trama.ledger.charts import Links, charts
from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.models import Level
from trama.lib.refusals import attempt, form_page
from trama.organizations.access import is_admin, public_bodies_acted_for
from trama.organizations.models import Organization, ShareAct
from trama.organizations.shares import acts_in_force, annul_act, record_act, table_on
from trama.procedures.models import Procedure
from trama.programs.models import Program

from . import services
from .forms import (
    AnnulForm,
    ContractualForm,
    CoordinatorForm,
    HoldingFormSet,
    InstitutionalForm,
    PartnershipForm,
    ShareActForm,
    SharesOnForm,
)
from .models import Coordinator, Partnership
from .network import network_of

PAGE_SIZE = 20


@require_GET
def partnership_list(request):
    kind = request.GET.get("tipo", "")
    partnerships = Partnership.objects.select_related(
        "owner__municipality__province", "entity", "program"
    ).order_by("-formed_on", "name")
    if kind in Partnership.Kind.values:
        partnerships = partnerships.filter(kind=kind)
    can_record = request.user.is_authenticated and public_bodies_acted_for(request.user).exists()
    return render(
        request,
        "partnerships/partnership_list.html",
        {
            "page": Paginator(partnerships, PAGE_SIZE).get_page(request.GET.get("page")),
            "kind": kind,
            "kinds": Partnership.Kind.choices,
            "can_record": can_record,
        },
    )


def _network_years(partnership, network):
    first = partnership.formed_on.year
    if partnership.program_id:
        first = min(first, partnership.program.start_year)
    last = max(timezone.localdate().year, first)
    if partnership.program_id:
        last = min(last, max(partnership.program.end_year, first))
    rows = network.size_by_year(first, last)
    largest = max((size for _y, size in rows), default=0)
    return [
        {"year": year, "size": size, "width": f"{size * 100 / largest:.2f}" if largest else "0"}
        for year, size in rows
    ]


def _detail_context(request, partnership, **forms):
    institutional = partnership.is_institutional
    basis = Basis.PLEDGED if request.GET.get("basis") == "pledged" else Basis.ACCEPTED
    context = {
        "partnership": partnership,
        "can_manage": services.can_manage(request.user, partnership),
        "coordinators": list(partnership.coordinators.select_related("organization")),
        "basis": basis,
    }
    if institutional:
        entity = partnership.entity
        acts = acts_in_force(entity)
        on_form = SharesOnForm(request.GET if "on" in request.GET else None)
        on = timezone.localdate()
        if on_form.is_bound and on_form.is_valid() and on_form.cleaned_data.get("on"):
            on = on_form.cleaned_data["on"]
        context |= {
            "entity": entity,
            "table": table_on(entity, on, acts),
            "on": on,
            "on_form": on_form,
            "history": [
                (act, table_on(entity, act.date, acts[: i + 1])) for i, act in enumerate(acts)
            ],
            "can_record_shares": is_admin(request.user, entity.pk) or request.user.is_staff,
            "scope": Scope(Level.CONTRIBUTOR, entity.pk),
            "became": None,
            "program_ids": [],
        }
    else:
        program_ids = [partnership.program_id]
        network = network_of(program_ids)
        context |= {
            "members": network.members,
            "network_years": _network_years(partnership, network),
            "scope": Scope(Level.PROGRAM, partnership.program_id),
            "became": Partnership.objects.filter(grew_from=partnership).first(),
            "program_ids": program_ids,
        }
    signed = Q(procedure__program_id__in=context["program_ids"])
    if institutional:
        # An institution's agreements are those it is party to.
        signed = Q(parties__organization=partnership.entity_id)
    context["agreements"] = list(
        Agreement.objects.filter(signed, signed_at__isnull=False)
        .select_related("procedure")
        .distinct()
        .order_by("signed_at")
    )
    context["procedures"] = list(
        Procedure.objects.filter(program_id__in=context["program_ids"])
        .listed()
        .order_by("opened_on", "pk")
    )
    figures = compute_figures(context["scope"], basis=basis)
    context["figures"] = figures
    context["charts"] = charts(figures, Links(None, basis))
    context["edit_form"] = forms.get("edit_form") or PartnershipForm(
        initial={"name": partnership.name, "description": partnership.description}
    )
    context["coordinator_form"] = forms.get("coordinator_form") or _coordinator_form(partnership)
    return context


def _coordinator_form(partnership, data=None):
    bodies = services.coordinator_bodies(partnership)
    return CoordinatorForm(data, bodies=bodies, auto_id="id_coord_%s")


@require_GET
def partnership_detail(request, slug):
    partnership = get_object_or_404(
        Partnership.objects.select_related("owner", "program", "entity", "grew_from"), slug=slug
    )
    return render(
        request, "partnerships/partnership_detail.html", _detail_context(request, partnership)
    )


@login_required
def partnership_edit(request, slug):
    partnership = get_object_or_404(Partnership, slug=slug)
    if request.method != "POST":  # a failed form's address, opened again
        return redirect(partnership)
    services.check_can_manage(request.user, partnership)
    form = PartnershipForm(request.POST)
    if form.is_valid() and attempt(
        request,
        lambda: services.update_partnership(partnership, by=request.user, **form.cleaned_data),
        form=form,
        success=_("Saved."),
    ):
        return redirect(partnership)
    return form_page(
        request,
        "partnerships/partnership_detail.html",
        _detail_context(request, partnership, edit_form=form),
    )


@login_required
def coordinator_add(request, slug):
    partnership = get_object_or_404(Partnership, slug=slug)
    if request.method != "POST":
        return redirect(f"{partnership.get_absolute_url()}#coordinators")
    services.check_can_manage(request.user, partnership)
    form = _coordinator_form(partnership, request.POST)
    if form.is_valid() and attempt(
        request,
        lambda: services.add_coordinator(partnership, by=request.user, **form.cleaned_data),
        form=form,
        success=_("Coordinator added."),
    ):
        return redirect(f"{partnership.get_absolute_url()}#coordinators")
    return form_page(
        request,
        "partnerships/partnership_detail.html",
        _detail_context(request, partnership, coordinator_form=form),
    )


@login_required
@require_POST
def coordinator_remove(request, slug, pk):
    coordinator = get_object_or_404(Coordinator, pk=pk, partnership__slug=slug)
    services.check_can_manage(request.user, coordinator.partnership)
    attempt(
        request,
        lambda: services.remove_coordinator(coordinator, by=request.user),
        success=_("Coordinator removed."),
    )
    return redirect(f"{coordinator.partnership.get_absolute_url()}#coordinators")


@login_required
def partnership_new(request):
    owners = public_bodies_acted_for(request.user).order_by("name")
    if not owners.exists():
        raise PermissionDenied(
            _("Only members of a public body verified by the platform staff record partnerships.")
        )
    kind = request.POST.get("kind") or request.GET.get("tipo") or Partnership.Kind.CONTRACTUAL
    programs = Program.objects.filter(owner__in=owners, partnership__isnull=True).order_by("title")
    posted = request.POST if request.method == "POST" else None
    contractual = ContractualForm(
        posted if kind == Partnership.Kind.CONTRACTUAL else None,
        programs=programs,
        auto_id="id_c_%s",
    )
    institutional = InstitutionalForm(
        posted if kind == Partnership.Kind.INSTITUTIONAL else None,
        owners=owners,
        auto_id="id_i_%s",
    )
    if request.method == "POST":
        if kind == Partnership.Kind.INSTITUTIONAL:
            form, act = institutional, services.record_institutional
        else:
            form, act = contractual, services.record_contractual
        done = form.is_valid() and attempt(
            request,
            lambda: act(by=request.user, **form.cleaned_data),
            form=form,
            success=_("Partnership recorded."),
        )
        if done:
            return redirect(done.result)
    return form_page(
        request,
        "partnerships/partnership_new.html",
        {"contractual": contractual, "institutional": institutional, "kind": kind},
        failed=request.method == "POST",
    )


# --- an entity's members and shares ------------------------------------------------------


def _entity_for_shares(request, slug):
    entity = get_object_or_404(Organization, slug=slug)
    if not (is_admin(request.user, entity.pk) or request.user.is_staff):
        raise PermissionDenied(
            _("Only the administrators of %(entity)s record its members' shares.")
            % {"entity": entity.name}
        )
    return entity


def _shares_context(entity, act_form=None, holdings=None, annul_form=None):
    acts = acts_in_force(entity)
    current = table_on(entity, datetime.date.max, acts)
    if holdings is None:
        initial = [
            {"member": h.member.tax_code or h.member.slug, "share": h.share}
            for h in current.holdings
        ]
        holdings = HoldingFormSet(initial=initial or None, prefix="holdings")
        # Each member's name under its tax code, so the table reads as people know it.
        for form, holding in zip(holdings.forms, current.holdings, strict=False):
            form.fields["member"].help_text = holding.member.name
    return {
        "entity": entity,
        "acts": acts,
        "annulled": ShareAct.objects.filter(entity=entity, annulled_by__isnull=False).order_by(
            "date", "pk"
        ),
        "current": current,
        # After the constitution, the usual act is a transfer.
        "act_form": act_form
        or ShareActForm(
            initial={"kind": ShareAct.Kind.TRANSFER if acts else ShareAct.Kind.CONSTITUTION},
            auto_id="id_act_%s",
        ),
        "holdings": holdings,
        "annul_form": annul_form or AnnulForm(auto_id="id_annul_%s"),
        "institution": Partnership.objects.filter(entity=entity).first(),
    }


@login_required
def shares(request, slug):
    entity = _entity_for_shares(request, slug)
    if request.method != "POST":
        return render(request, "partnerships/shares.html", _shares_context(entity))
    act_form = ShareActForm(request.POST, auto_id="id_act_%s")
    holdings = HoldingFormSet(request.POST, prefix="holdings")
    if act_form.is_valid() and holdings.is_valid():
        rows = [
            (form.cleaned_data["organization"], form.cleaned_data["share"])
            for form in holdings
            if form.cleaned_data.get("organization")
        ]
        done = attempt(
            request,
            lambda: record_act(
                by=request.user, entity=entity, holdings=rows, **act_form.cleaned_data
            ),
            form=act_form,
            success=_("Act recorded: the new share table is in force from its date."),
        )
        if done:
            return redirect(reverse("partnerships:shares", args=[entity.slug]))
    return form_page(
        request, "partnerships/shares.html", _shares_context(entity, act_form, holdings)
    )


@login_required
def share_act_annul(request, slug, pk):
    entity = _entity_for_shares(request, slug)
    if request.method != "POST":
        return redirect(reverse("partnerships:shares", args=[entity.slug]))
    act = get_object_or_404(ShareAct, pk=pk, entity=entity)
    form = AnnulForm(request.POST, auto_id="id_annul_%s")
    if form.is_valid() and attempt(
        request,
        lambda: annul_act(by=request.user, act=act, reason=form.cleaned_data["reason"]),
        form=form,
        success=_("Act annulled: the table before it is in force again."),
    ):
        return redirect(reverse("partnerships:shares", args=[entity.slug]))
    if form.errors and not form.non_field_errors():
        messages.error(request, _("Say why the act is annulled."))
    return form_page(request, "partnerships/shares.html", _shares_context(entity, annul_form=form))
