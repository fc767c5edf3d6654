"""Co-programming acts from the call page: each a POST that calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trama.organizations.models import Organization

from . import services
from .access import access_procedure
from .acts import run_act
from .parsing import as_datetime, as_id


def _organization(request, field="organization"):
    return Organization.objects.filter(
        pk=as_id(request.POST.get(field)) or 0, memberships__user=request.user
    ).first()


@login_required
@require_POST
def interest(request, pk):
    access = access_procedure(request.user, pk)
    organization = _organization(request)
    if organization is None:
        messages.error(request, _("Choose one of your organisations."))
    else:
        run_act(
            request,
            lambda: services.express_interest(
                access.procedure,
                by=request.user,
                organization=organization,
                motivation=request.POST.get("motivation", ""),
            ),
            _("Interest expressed."),
        )
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def admit(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    decisions = {
        p.pk: (request.POST.get(f"admit-{p.pk}") == "yes", request.POST.get(f"reason-{p.pk}", ""))
        for p in access.procedure.participations.all()
    }
    run_act(
        request,
        lambda: services.admit_participants(
            access.procedure,
            by=request.user,
            decisions=decisions,
            protocol_number=request.POST.get("protocol_number", ""),
        ),
        _("The list of admitted participants is published."),
    )
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def meeting(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    held_at = as_datetime(request.POST.get("held_at"))
    if held_at is None:
        messages.error(request, _("Give the date and time of the table."))
        return redirect("procedures:call", pk=pk)
    run_act(
        request,
        lambda: services.add_meeting(
            access.procedure,
            by=request.user,
            title=request.POST.get("title", ""),
            held_at=held_at,
            agenda=request.POST.get("agenda", ""),
        ),
        _("Thematic table scheduled."),
    )
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def minutes(request, pk, meeting_id):
    access = access_procedure(request.user, pk, rup=True)
    meeting = access.procedure.meetings.filter(pk=meeting_id).first()
    if meeting is None:
        raise PermissionDenied(_("No such table."))
    ids = [as_id(value) for value in request.POST.getlist("attendees")]
    attendees = access.procedure.participants.filter(pk__in=[i for i in ids if i])
    run_act(
        request,
        lambda: services.record_minutes(
            meeting, by=request.user, minutes=request.POST.get("minutes", ""), attendees=attendees
        ),
        _("Minutes recorded."),
    )
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def contribute(request, pk):
    access = access_procedure(request.user, pk)
    organization = _organization(request)
    if organization is None:
        messages.error(request, _("Choose one of your organisations."))
    else:
        run_act(
            request,
            lambda: services.add_contribution(
                access.procedure,
                by=request.user,
                organization=organization,
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
            ),
            _("Contribution added."),
        )
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def conclude(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    run_act(
        request,
        lambda: services.conclude_coprogramming(
            access.procedure, by=request.user, final_document=request.POST.get("final_document", "")
        ),
        _("The co-programming is concluded."),
    )
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def start_codesign(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    codesign = run_act(
        request,
        lambda: services.start_codesign(
            access.procedure, by=request.user, title=request.POST.get("title", "")
        ),
        _("Draft co-design call created from the co-programming."),
    )
    if codesign is not None:
        return redirect("procedures:call", pk=codesign.pk)
    return redirect("procedures:call", pk=pk)
