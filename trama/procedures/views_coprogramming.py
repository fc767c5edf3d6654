"""Co-programming acts from the call page: each a form posted to one service."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trama.organizations.models import Organization

from . import services
from .access import access_procedure
from .forms import (
    AdmitForm,
    CodesignForm,
    ConcludeForm,
    ContributionForm,
    InterestForm,
    MeetingForm,
    MinutesForm,
)
from .views import call_act


def _member_orgs(request):
    return Organization.objects.with_member(request.user)


@login_required
@require_POST
def interest(request, pk):
    access = access_procedure(request.user, pk)
    return call_act(
        request,
        access,
        "interest",
        InterestForm(request.POST, organizations=_member_orgs(request), auto_id="id_interest_%s"),
        lambda organization, motivation: services.express_interest(
            access.procedure, by=request.user, organization=organization, motivation=motivation
        ),
        _("Interest expressed."),
    )


@login_required
@require_POST
def admit(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    form = AdmitForm(
        request.POST,
        participations=access.procedure.participations.select_related("organization"),
        auto_id="id_admit_%s",
    )
    return call_act(
        request,
        access,
        "admit",
        form,
        lambda protocol_number, **_decisions: services.admit_participants(
            access.procedure,
            by=request.user,
            decisions=form.decisions(),
            protocol_number=protocol_number,
        ),
        _("The list of admitted participants is published."),
    )


@login_required
@require_POST
def meeting(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    return call_act(
        request,
        access,
        "meeting",
        MeetingForm(request.POST, auto_id="id_meeting_%s"),
        lambda **data: services.add_meeting(access.procedure, by=request.user, **data),
        _("Thematic table scheduled."),
    )


@login_required
@require_POST
def minutes(request, pk, meeting_id):
    access = access_procedure(request.user, pk, rup=True)
    meeting = access.procedure.meetings.filter(pk=meeting_id).first()
    if meeting is None:
        raise PermissionDenied(_("No such table."))
    return call_act(
        request,
        access,
        ("minutes", meeting.pk),
        MinutesForm(
            request.POST,
            participants=access.procedure.participants.all(),
            auto_id=f"id_minutes{meeting.pk}_%s",
        ),
        lambda **data: services.record_minutes(meeting, by=request.user, **data),
        _("Minutes recorded."),
    )


@login_required
@require_POST
def contribute(request, pk):
    access = access_procedure(request.user, pk)
    return call_act(
        request,
        access,
        "contribute",
        ContributionForm(
            request.POST, organizations=_member_orgs(request), auto_id="id_contrib_%s"
        ),
        lambda **data: services.add_contribution(access.procedure, by=request.user, **data),
        _("Contribution added."),
    )


@login_required
@require_POST
def conclude(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    return call_act(
        request,
        access,
        "conclude",
        ConcludeForm(request.POST),
        lambda final_document: services.conclude_coprogramming(
            access.procedure, by=request.user, final_document=final_document
        ),
        _("The co-programming is concluded."),
    )


@login_required
@require_POST
def start_codesign(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    return call_act(
        request,
        access,
        "codesign",
        CodesignForm(request.POST, auto_id="id_codesign_%s"),
        lambda title: services.start_codesign(access.procedure, by=request.user, title=title),
        _("Draft co-design call created from the co-programming."),
        then=lambda codesign: redirect("procedures:call", pk=codesign.pk),
    )
