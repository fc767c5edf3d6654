"""Co-programming acts from the call page: each a form posted to one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trama.lib.review import Review, reviewed
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
from .views import call_act, cannot, observed, of_call


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
@require_http_methods(["GET", "POST"])
def admit(request, pk):
    """The RUP decides on every body that expressed interest, after a review of the list."""
    access = observed(access_procedure(request.user, pk, rup=True))
    procedure = access.procedure
    back = procedure.get_absolute_url()
    if refused := cannot(request, access, "admit_participants", back):
        return refused
    if not procedure.deadline_passed():
        messages.error(request, _("Participants are admitted once the deadline has passed."))
        return redirect(back)
    form = AdmitForm(
        request.POST if request.method == "POST" else None,
        participations=procedure.participations.select_related("organization"),
        auto_id="id_admit_%s",
    )
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Admit participants"), procedure),
            back=back,
            confirm=_("Publish the list of participants"),
        ),
        form,
        lambda protocol_number, **_decisions: services.admit_participants(
            procedure, by=request.user, decisions=form.decisions(), protocol_number=protocol_number
        ),
        consequences=[
            _("The list of the bodies admitted is published on the call's page.")
            if form.participations
            else _("No body expressed interest: the list published will be empty."),
            _("Bodies not admitted read the reason you give; the decision can't be changed."),
            _("The admitted bodies can then take part in the tables and send contributions."),
        ],
        success=_("The list of admitted participants is published."),
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
@require_http_methods(["GET", "POST"])
def conclude(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    procedure = access.procedure
    back = procedure.get_absolute_url()
    if refused := cannot(request, access, "conclude", back):
        return refused
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Conclude with the final document"), procedure),
            back=back,
            confirm=_("Approve and conclude"),
        ),
        ConcludeForm(request.POST if request.method == "POST" else None),
        lambda final_document: services.conclude_coprogramming(
            procedure, by=request.user, final_document=final_document
        ),
        consequences=[
            _("The final document is published on the call's page and can't be changed."),
            _("The co-programming ends: no more tables or contributions."),
            _("A co-design can then be started from it."),
        ],
        success=_("The co-programming is concluded."),
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
