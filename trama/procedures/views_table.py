"""The co-design table's pages: overview, meetings and minutes, the shared project
(versions, conflicts, diffs, comments) and its adoption."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trama.lib.documents import render_markdown
from trama.lib.refusals import add_refusal, attempt, refusal_code
from trama.lib.review import Review, reviewed
from trama.organizations.models import Organization

from . import services
from .access import access_procedure, table_bodies
from .forms import ConfirmForm
from .forms_table import (
    AdoptForm,
    DiffForm,
    MinutesReviewForm,
    ProjectEditForm,
    SectionCommentForm,
    TableMeetingForm,
    TableMinutesForm,
)
from .models import Adoption, Meeting, MinutesReview, ProjectVersion, Proposal, SectionComment
from .project import diff_rows, sections
from .services.table import latest_version, minutes_reviews, selected_proposals
from .views import PageForms, cannot, observed, of_call


def _table_access(request, pk):
    """The table's pages are for its participants and the officers; 404 for anyone else."""
    access = observed(access_procedure(request.user, pk))
    if not access.sees_table:
        raise Http404(_("No such table."))
    return access


def _adoption(procedure):
    return Adoption.objects.filter(procedure=procedure).select_related("version").first()


def _can_edit(access, adoption) -> bool:
    return "edit_project" in access.acts and adoption is None


# --- the table's overview ------------------------------------------------------------------


@login_required
def table(request, pk):
    return table_page(request, _table_access(request, pk))


def table_page(request, access, forms: PageForms | None = None):
    forms = forms or PageForms()
    procedure = access.procedure
    acts = access.acts
    bodies = list(Organization.objects.filter(pk__in=table_bodies(procedure)).order_by("name"))
    selected = list(
        procedure.proposals.filter(state=Proposal.State.SELECTED)
        .select_related("lead")
        .order_by("rank", "pk")
    )
    leads = {p.lead_id for p in selected}
    adoption = _adoption(procedure)
    meetings = list(
        procedure.meetings.prefetch_related("attendance", "minutes_reviews").order_by(
            "-held_at", "-pk"
        )
    )
    for meeting in meetings:
        meeting.procedure = procedure
        reviews = minutes_reviews(meeting)
        meeting.waiting = sum(
            1
            for r in reviews.values()
            if r is None or r.decision != MinutesReview.Decision.APPROVED
        )
        meeting.approved = bool(meeting.minutes_round) and bool(reviews) and not meeting.waiting
    context = {
        "procedure": procedure,
        "access": access,
        "bodies": [(body, body.pk in leads) for body in bodies],
        "selected": selected,
        "meetings": meetings,
        "latest": latest_version(procedure),
        "adoption": adoption,
        "can_edit": _can_edit(access, adoption),
        "adopt": "adopt_project" in acts and adoption is None,
        "meeting_form": forms.get("meeting", lambda: TableMeetingForm(auto_id="id_meeting_%s"))
        if "schedule_meeting" in acts
        else None,
    }
    forms.unshown_errors(request)
    return render(request, "procedures/table.html", context, status=400 if forms.failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def table_open(request, pk):
    """The RUP opens the table, after a review of the bodies that will sit at it."""
    access = observed(access_procedure(request.user, pk, rup=True))
    procedure = access.procedure
    back = procedure.get_absolute_url()
    if refused := cannot(request, access, "open_table", back):
        return refused
    proposals = selected_proposals(procedure)
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Open the co-design table"), procedure),
            back=back,
            confirm=_("Open the co-design table"),
        ),
        ConfirmForm(request.POST if request.method == "POST" else None),
        lambda: services.open_table(procedure, by=request.user),
        consequences=[
            _(
                "The bodies of the selected proposals (below, with their partners) sit at the table."
            ),
            _(
                "The first version of the shared project merges their proposals, criterion by "
                "criterion; the table's participants and the officers edit it together."
            ),
            _("The selected proposals become readable by every body at the table."),
            _("The administrators of the bodies and the officers are told by e-mail."),
        ],
        details="procedures/_table_open_review.html",
        context={"proposals": proposals},
        success=_("The co-design table is open."),
        then=lambda _version: redirect("procedures:table", pk=pk),
    )


# --- meetings ------------------------------------------------------------------------------


@login_required
@require_POST
def table_meeting_add(request, pk):
    access = _table_access(request, pk)
    if not access.is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    form = TableMeetingForm(request.POST, auto_id="id_meeting_%s")
    if form.is_valid():
        done = attempt(
            request,
            lambda: services.schedule_meeting(
                access.procedure, by=request.user, **form.cleaned_data
            ),
            form=form,
            success=_("Meeting scheduled."),
        )
        if done:
            return redirect("procedures:table_meeting", pk=pk, meeting_id=done.result.pk)
    return table_page(request, access, PageForms("meeting", form))


def _meeting_of(access, meeting_id) -> Meeting:
    meeting = (
        access.procedure.meetings.filter(pk=meeting_id)
        .prefetch_related("attendance__organization", "minutes_reviews__by")
        .first()
    )
    if meeting is None:
        raise Http404(_("No such meeting."))
    meeting.procedure = access.procedure
    return meeting


def _minutes_bodies(procedure):
    ids = table_bodies(procedure) | {procedure.owner_id}
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


def _review_orgs(request, meeting):
    """The bodies the user may speak for on these minutes: attended, and the user is admin."""
    attended = {a.organization_id for a in meeting.attendance.all()} - {meeting.procedure.owner_id}
    return Organization.objects.administered_by(request.user).filter(pk__in=attended)


@login_required
def table_meeting(request, pk, meeting_id):
    access = _table_access(request, pk)
    return meeting_page(request, access, _meeting_of(access, meeting_id))


def meeting_page(request, access, meeting, forms: PageForms | None = None):
    forms = forms or PageForms()
    procedure = access.procedure
    reviews = minutes_reviews(meeting)
    approved = (
        bool(meeting.minutes_round)
        and bool(reviews)
        and all(
            r is not None and r.decision == MinutesReview.Decision.APPROVED
            for r in reviews.values()
        )
    )
    names = dict(Organization.objects.filter(pk__in=reviews).values_list("pk", "name"))
    present: dict = {}
    for row in meeting.attendance.all():
        present.setdefault(row.organization, []).append(row.person_name)
    review_orgs = _review_orgs(request, meeting) if meeting.minutes_round else None
    done = {org for org, r in reviews.items() if r and r.decision == "APPROVED"}
    if review_orgs is not None:
        review_orgs = review_orgs.exclude(pk__in=done)
    context = {
        "procedure": procedure,
        "access": access,
        "meeting": meeting,
        "present": sorted(present.items(), key=lambda item: item[0].name),
        "statuses": sorted(
            ((names.get(org, ""), review) for org, review in reviews.items()),
            key=lambda item: item[0],
        ),
        "approved": approved,
        "history": [r for r in meeting.minutes_reviews.all()],
        "minutes_form": forms.get(
            "minutes",
            lambda: TableMinutesForm(
                bodies=_minutes_bodies(procedure), meeting=meeting, auto_id="id_minutes_%s"
            ),
        )
        if "record_minutes" in access.acts and not approved
        else None,
        "review_form": forms.get(
            "review",
            lambda: MinutesReviewForm(organizations=review_orgs, auto_id="id_review_%s"),
        )
        if review_orgs is not None and review_orgs.exists()
        else None,
    }
    forms.unshown_errors(request)
    return render(
        request, "procedures/table_meeting.html", context, status=400 if forms.failed else 200
    )


def _meeting_act(request, access, meeting, key, form, action, success):
    if form.is_valid() and attempt(
        request, lambda: action(**form.cleaned_data), form=form, success=success
    ):
        return redirect("procedures:table_meeting", pk=access.procedure.pk, meeting_id=meeting.pk)
    return meeting_page(request, access, meeting, PageForms(key, form))


@login_required
@require_POST
def table_minutes(request, pk, meeting_id):
    access = _table_access(request, pk)
    if not access.is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    meeting = _meeting_of(access, meeting_id)
    form = TableMinutesForm(
        request.POST, bodies=_minutes_bodies(access.procedure), auto_id="id_minutes_%s"
    )
    return _meeting_act(
        request,
        access,
        meeting,
        "minutes",
        form,
        lambda minutes, **_people: services.record_table_minutes(
            meeting, by=request.user, minutes=minutes, attendance=form.attendance()
        ),
        _("Minutes recorded: the bodies that attended are asked to approve them."),
    )


@login_required
@require_POST
def table_minutes_review(request, pk, meeting_id):
    access = _table_access(request, pk)
    meeting = _meeting_of(access, meeting_id)
    form = MinutesReviewForm(
        request.POST,
        organizations=Organization.objects.administered_by(request.user),
        auto_id="id_review_%s",
    )
    return _meeting_act(
        request,
        access,
        meeting,
        "review",
        form,
        lambda organization, decision, comment: services.review_minutes(
            meeting,
            by=request.user,
            organization=organization,
            approve=decision == MinutesReview.Decision.APPROVED,
            comment=comment,
        ),
        _("Your word on the minutes is recorded."),
    )


# --- the shared project ----------------------------------------------------------------------


def _version(procedure, number) -> ProjectVersion:
    version = procedure.project_versions.filter(number=number).select_related("created_by").first()
    if version is None:
        raise Http404(_("No such version."))
    return version


@login_required
def table_project(request, pk):
    access = _table_access(request, pk)
    return project_page(request, access)


def project_page(request, access, forms: PageForms | None = None):
    forms = forms or PageForms()
    procedure = access.procedure
    latest = latest_version(procedure)
    if latest is None:
        raise Http404(_("No such project."))
    number = request.GET.get("versione", "")
    # A version number is small; anything else shows the latest.
    version = _version(procedure, int(number)) if number.isdigit() and len(number) < 7 else latest
    adoption = _adoption(procedure)
    found = sections(version.text)
    comments: dict = {}
    for comment in (
        SectionComment.objects.filter(version__procedure=procedure)
        .select_related("by", "version")
        .order_by("at", "pk")
    ):
        comments.setdefault(comment.section, []).append(comment)
    can_edit = _can_edit(access, adoption)
    context = {
        "procedure": procedure,
        "access": access,
        "version": version,
        "latest": latest,
        "html": render_markdown(version.text),
        "sections": [(s, comments.get(s.slug, [])) for s in found],
        "adoption": adoption,
        "can_edit": can_edit,
        "adopt": "adopt_project" in access.acts and adoption is None,
        "comment_form": forms.get(
            "comment", lambda: SectionCommentForm(sections=found, auto_id="id_comment_%s")
        )
        if can_edit and found and version.pk == latest.pk
        else None,
    }
    forms.unshown_errors(request)
    return render(
        request, "procedures/table_project.html", context, status=400 if forms.failed else 200
    )


@login_required
@require_POST
def table_project_comment(request, pk):
    access = _table_access(request, pk)
    latest = latest_version(access.procedure)
    if latest is None:
        raise Http404(_("No such project."))
    form = SectionCommentForm(request.POST, sections=sections(latest.text), auto_id="id_comment_%s")
    if form.is_valid() and attempt(
        request,
        lambda: services.comment_section(latest, by=request.user, **form.cleaned_data),
        form=form,
        success=_("Comment added."),
    ):
        return redirect(reverse("procedures:table_project", args=[pk]) + "#commenti")
    return project_page(request, access, PageForms("comment", form))


@login_required
@require_http_methods(["GET", "POST"])
def table_project_edit(request, pk):
    access = _table_access(request, pk)
    procedure = access.procedure
    latest = latest_version(procedure)
    if latest is None:
        raise Http404(_("No such project."))
    if not _can_edit(access, _adoption(procedure)):
        raise PermissionDenied(_("The shared project can't be edited now."))
    context = {"procedure": procedure, "access": access, "latest": latest, "conflict": None}
    if request.method == "GET":
        form = ProjectEditForm(initial={"text": latest.text, "base": latest.pk})
        return render(request, "procedures/table_project_edit.html", {**context, "form": form})
    form = ProjectEditForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        base = procedure.project_versions.filter(pk=data["base"]).first()
        try:
            version = services.save_project_version(
                procedure, by=request.user, text=data["text"], summary=data["summary"], base=base
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError) and refusal_code(exc) == "stale_base":
                # Nothing saved: the editor sees their text beside the newer version, and
                # the form now edits from it.
                status = 409
                context["conflict"] = diff_rows(latest.text, data["text"])
                form = ProjectEditForm(
                    initial={"text": data["text"], "summary": data["summary"], "base": latest.pk}
                )
                form.conflict_message = exc.messages[0]
            else:
                add_refusal(request, exc, form)
        else:
            messages.success(
                request, _("Version %(n)s of the shared project saved.") % {"n": version.number}
            )
            return redirect("procedures:table_project", pk=pk)
    return render(
        request, "procedures/table_project_edit.html", {**context, "form": form}, status=status
    )


@login_required
@require_GET
def table_project_history(request, pk):
    access = _table_access(request, pk)
    procedure = access.procedure
    versions = list(procedure.project_versions.select_related("created_by").order_by("-number"))
    numbers = [v.number for v in versions]
    initial = {"a": numbers[1] if len(numbers) > 1 else 1, "b": numbers[0] if numbers else 1}
    return render(
        request,
        "procedures/table_project_history.html",
        {
            "procedure": procedure,
            "access": access,
            "versions": versions,
            "diff_form": DiffForm(numbers=numbers, initial=initial, auto_id="id_diff_%s"),
            "adoption": _adoption(procedure),
        },
    )


@login_required
@require_GET
def table_project_diff(request, pk):
    access = _table_access(request, pk)
    procedure = access.procedure
    numbers = list(procedure.project_versions.order_by("-number").values_list("number", flat=True))
    form = DiffForm(request.GET, numbers=numbers, auto_id="id_diff_%s")
    if not form.is_valid():
        return render(
            request,
            "procedures/table_project_diff.html",
            {"procedure": procedure, "access": access, "diff_form": form, "rows": None},
            status=400,
        )
    older = _version(procedure, form.cleaned_data["a"])
    newer = _version(procedure, form.cleaned_data["b"])
    return render(
        request,
        "procedures/table_project_diff.html",
        {
            "procedure": procedure,
            "access": access,
            "diff_form": form,
            "older": older,
            "newer": newer,
            "rows": diff_rows(older.text, newer.text),
        },
    )


# --- adoption ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def table_adopt(request, pk):
    """The RUP adopts a version by a reasoned act, signed and uploaded, after a review."""
    access = _table_access(request, pk)
    procedure = access.procedure
    back = reverse("procedures:table", args=[pk])
    if not access.is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    if refused := cannot(request, access, "adopt_project", back):
        return refused
    if _adoption(procedure) is not None:
        messages.info(request, _("The shared project is already adopted."))
        return redirect(back)
    versions = list(procedure.project_versions.order_by("-number"))
    form = AdoptForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        versions=versions,
        auto_id="id_adopt_%s",
    )
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Adopt the shared project"), procedure),
            back=back,
            confirm=_("Adopt the shared project"),
        ),
        form,
        lambda version, **data: services.adopt_project(
            procedure,
            by=request.user,
            version=form.versions[version],
            upload=data.pop("file"),
            **data,
        ),
        consequences=[
            _(
                "The version you choose becomes the project adopted by the public body; the "
                "signed act is kept with its SHA-256."
            ),
            _("The project can no longer be edited: the agreement is drawn up from it."),
            _("The administrators of the bodies at the table and the officers are told by e-mail."),
        ],
        success=_("The shared project is adopted."),
        then=lambda _adoption: redirect("procedures:table", pk=pk),
    )


@login_required
def table_adoption_file(request, pk):
    access = _table_access(request, pk)
    adoption = _adoption(access.procedure)
    if adoption is None:
        raise Http404(_("No such act."))
    return FileResponse(adoption.file.open("rb"), as_attachment=True, filename=adoption.file_name)
