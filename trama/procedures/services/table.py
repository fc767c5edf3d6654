"""The co-design table: opening it, its meetings and minutes, the shared project's versions
and comments, and the RUP's adoption of the project."""

from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.lib.files import content_matches, sha256_of
from trama.notifications.models import Kind
from trama.notifications.services import notify
from trama.organizations.access import is_admin, member_org_ids
from trama.organizations.models import Membership, Organization

from ..access import table_bodies
from ..models import (
    Adoption,
    Attendance,
    Meeting,
    MinutesReview,
    Procedure,
    ProjectVersion,
    Proposal,
    SectionComment,
)
from ..project import sections, seed_text
from ..workflow import RUP, check_act, check_transition
from .base import check_actor, event, locked
from .notify import notify_admins
from .uploads import MAX_FILE_BYTES

State = Procedure.State
Decision = MinutesReview.Decision
ADOPTION_FILE_TYPES = ("pdf", "p7m")


def table_path(procedure) -> str:
    return reverse("procedures:table", args=[procedure.pk])


def _officers(procedure):
    return [
        m.user
        for m in Membership.objects.filter(
            organization_id=procedure.owner_id,
            user__is_active=True,
            user__deleted_at__isnull=True,
        ).select_related("user")
    ]


def _notify_table(procedure, kind, *, template, context, path, by, officers=True):
    """The administrators of every table body and, with `officers`, the public body's."""
    for organization in Organization.objects.filter(pk__in=table_bodies(procedure)):
        notify_admins(organization, kind, template=template, context=context, path=path)
    if officers:
        notify(_officers(procedure), kind, template=template, context=context, path=path, by=by)


def check_codesign(procedure: Procedure) -> None:
    if procedure.kind != Procedure.Kind.CO_DESIGN:
        raise ValidationError(_("This is not a co-design procedure."))


def check_participant(procedure: Procedure, by) -> None:
    """`by` sits at the table: a member of a table body or an officer of the public body."""
    orgs = member_org_ids(by)
    if procedure.owner_id in orgs and procedure.owner.can_act_as_public_body:
        return
    if orgs & table_bodies(procedure):
        return
    raise PermissionDenied(
        _("Only the bodies at the co-design table and the officers can do this.")
    )


# --- opening the table ---------------------------------------------------------------------


def selected_proposals(procedure: Procedure) -> list[Proposal]:
    """The selected proposals in ranking order, each with `answers` {criterion id: text}."""
    proposals = list(
        procedure.proposals.filter(state=Proposal.State.SELECTED)
        .select_related("lead")
        .prefetch_related("sections")
        .order_by("rank", "pk")
    )
    for proposal in proposals:
        proposal.answers = {s.criterion_id: s.text for s in proposal.sections.all()}
    return proposals


def open_table(procedure: Procedure, *, by) -> ProjectVersion:
    """The RUP opens the co-design table with the selected proposals' bodies; the shared
    project's first version merges their answers, criterion by criterion."""
    with transaction.atomic():
        procedure = locked(procedure)
        check_codesign(procedure)
        if procedure.state == State.TABLE:
            raise ValidationError(_("The co-design table is already open."), code="already_open")
        who = check_transition(procedure, State.TABLE)
        check_actor(procedure, by, who)
        proposals = selected_proposals(procedure)
        if not proposals:
            raise ValidationError(
                _("No proposal was selected: there is no one to sit at the table."),
                code="nothing_selected",
            )
        version = ProjectVersion.objects.create(
            procedure=procedure,
            number=1,
            text=seed_text(procedure.criteria.all(), proposals),
            summary=_("The selected proposals, merged criterion by criterion."),
            created_by=by,
        )
        procedure.state = State.TABLE
        procedure.save(update_fields=["state"])
        event(
            procedure,
            "procedure.table_opened",
            by=by,
            target=procedure,
            public=True,
            bodies=sorted(table_bodies(procedure)),
        )
        event(procedure, "table.project_saved", by=by, target=version, table=True, number=1)
        _notify_table(
            procedure,
            Kind.TABLE_OPENED,
            template="procedures/email/table_opened",
            context={"procedure": procedure},
            path=table_path(procedure),
            by=by,
        )
    return version


# --- meetings and minutes ------------------------------------------------------------------


def schedule_meeting(
    procedure: Procedure, *, by, title, held_at, agenda, place="", online_link=""
) -> Meeting:
    """The RUP calls a meeting of the table (or of the steering group), in a place or online."""
    title, agenda = (title or "").strip(), (agenda or "").strip()
    place, online_link = (place or "").strip(), (online_link or "").strip()
    if not title or not agenda:
        raise ValidationError(_("A meeting needs a subject and an agenda."))
    if not place and not online_link:
        raise ValidationError(
            {"place": _("Say where the meeting is held: a place, an online link or both.")}
        )
    with transaction.atomic():
        procedure = locked(procedure)
        check_codesign(procedure)
        check_act(
            procedure, "schedule_meeting", _("Meetings are held once the co-design table is open.")
        )
        check_actor(procedure, by, RUP)
        meeting = Meeting.objects.create(
            procedure=procedure,
            title=title[:200],
            held_at=held_at,
            agenda=agenda,
            place=place[:200],
            online_link=online_link[:500],
        )
        event(procedure, "table.meeting", by=by, target=meeting, table=True)
    return meeting


def minutes_reviews(meeting: Meeting) -> dict[int, MinutesReview | None]:
    """Each attending body's (the public body aside) last word on the current minutes."""
    bodies = {
        a.organization_id
        for a in meeting.attendance.all()
        if a.organization_id != meeting.procedure.owner_id
    }
    latest: dict[int, MinutesReview | None] = dict.fromkeys(bodies)
    for review in meeting.minutes_reviews.all():
        if review.round == meeting.minutes_round and review.organization_id in latest:
            latest[review.organization_id] = review
    return latest


def minutes_approved(meeting: Meeting) -> bool:
    """Every attending body has approved the current minutes."""
    reviews = minutes_reviews(meeting)
    return (
        meeting.minutes_round > 0
        and bool(reviews)
        and all(r is not None and r.decision == Decision.APPROVED for r in reviews.values())
    )


def record_table_minutes(meeting: Meeting, *, by, minutes: str, attendance) -> Meeting:
    """The RUP drafts the minutes with who attended, person by person and body by body
    (`attendance`: (organization, person name, user or None)); each attending body's
    representative then approves them or comments. A new draft starts a new round."""
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": _("Write the minutes.")})
    rows = [(org, (name or "").strip(), user) for org, name, user in attendance]
    if not rows:
        raise ValidationError({"attendance": _("Say who attended the meeting.")})
    if any(not name for _org, name, _user in rows):
        raise ValidationError({"attendance": _("Give the name of each person who attended.")})
    with transaction.atomic():
        procedure = locked(meeting.procedure)
        check_codesign(procedure)
        check_actor(procedure, by, RUP)
        check_act(
            procedure, "record_minutes", _("Minutes are recorded while the table is working.")
        )
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.procedure_id != procedure.pk:
            raise ValidationError(_("This meeting belongs to another procedure."))
        if meeting.held_at > timezone.now():
            raise ValidationError(
                _("The minutes are written after the meeting is held."), code="not_held_yet"
            )
        meeting.procedure = procedure
        if minutes_approved(meeting):
            raise ValidationError(
                _("Every body has approved these minutes: they can no longer change."),
                code="minutes_approved",
            )
        allowed = table_bodies(procedure) | {procedure.owner_id}
        for org, _name, _user in rows:
            if org.pk not in allowed:
                raise ValidationError(
                    {
                        "attendance": ValidationError(
                            _("%(name)s is not at this table.") % {"name": org.name},
                            code="not_at_table",
                        )
                    }
                )
        meeting.attendance.all().delete()
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, organization=org, person_name=name[:200], user=user)
            for org, name, user in rows
        )
        meeting.minutes = minutes
        meeting.minutes_round += 1
        meeting.minutes_at = timezone.now()
        meeting.save(update_fields=["minutes", "minutes_round", "minutes_at"])
        event(
            procedure,
            "table.minutes",
            by=by,
            target=meeting,
            table=True,
            round=meeting.minutes_round,
        )
        path = reverse("procedures:table_meeting", args=[procedure.pk, meeting.pk])
        for org in {org for org, _n, _u in rows if org.pk != procedure.owner_id}:
            notify_admins(
                org,
                Kind.MINUTES_TO_APPROVE,
                template="procedures/email/minutes_to_approve",
                context={"procedure": procedure, "meeting": meeting, "organization": org},
                path=path,
            )
    return meeting


def review_minutes(
    meeting: Meeting, *, by, organization, approve: bool, comment: str = ""
) -> MinutesReview:
    """An administrator of a body that attended approves the minutes, or comments on them."""
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Write your comment on the minutes.")})
    with transaction.atomic():
        procedure = locked(meeting.procedure)
        check_act(
            procedure, "record_minutes", _("Minutes are approved while the table is working.")
        )
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.procedure_id != procedure.pk:
            raise ValidationError(_("This meeting belongs to another procedure."))
        if not meeting.minutes_round:
            raise ValidationError(
                _("The minutes of this meeting are not written yet."), code="no_minutes"
            )
        attended = (
            organization is not None
            and organization.pk != procedure.owner_id
            and meeting.attendance.filter(organization=organization).exists()
        )
        if not attended or not is_admin(by, organization.pk):
            raise PermissionDenied(
                _(
                    "Minutes are approved by the representatives of the bodies at the meeting "
                    "(an administrator of a body that attended): you were not at this meeting "
                    "for such a body."
                )
            )
        meeting.procedure = procedure
        current = minutes_reviews(meeting).get(organization.pk)
        if current is not None and current.decision == Decision.APPROVED:
            raise ValidationError(
                _("%(name)s has already approved these minutes.") % {"name": organization.name},
                code="already_approved",
            )
        review = MinutesReview.objects.create(
            meeting=meeting,
            organization=organization,
            round=meeting.minutes_round,
            decision=Decision.APPROVED if approve else Decision.COMMENTED,
            comment=comment,
            by=by,
        )
        event(
            procedure,
            "table.minutes_reviewed",
            by=by,
            target=review,
            table=True,
            decision=review.decision,
            organization=organization.pk,
        )
    return review


# --- the shared project ----------------------------------------------------------------------


def latest_version(procedure: Procedure) -> ProjectVersion | None:
    return procedure.project_versions.order_by("-number").select_related("created_by").first()


def _check_editable(procedure: Procedure) -> None:
    check_act(procedure, "edit_project", _("The shared project is edited while the table works."))
    if Adoption.objects.filter(procedure=procedure).exists():
        raise ValidationError(
            _("The shared project is adopted: it can no longer be edited."), code="adopted"
        )


def save_project_version(
    procedure: Procedure, *, by, text: str, summary: str = "", base: ProjectVersion | None
) -> ProjectVersion:
    """A table participant saves a new version of the project, edited from `base`.

    Refused as a conflict (`stale_base`) when someone saved another version since `base`:
    nothing is overwritten, and the editor sees both texts.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    summary = (summary or "").strip()
    if not text:
        raise ValidationError({"text": _("The project can't be empty.")})
    if not summary:
        raise ValidationError({"summary": _("Say briefly what you changed.")})
    with transaction.atomic():
        procedure = locked(procedure)
        _check_editable(procedure)
        check_participant(procedure, by)
        latest = latest_version(procedure)
        if base is None or latest is None or base.pk != latest.pk:
            raise ValidationError(
                _(
                    "Someone saved version %(number)s while you were editing: your text is "
                    "not saved. Compare it with the newer version and edit that one."
                )
                % {"number": latest.number if latest else 0},
                code="stale_base",
            )
        if text == latest.text.strip():
            message = _("The text is the same as version %(n)s.") % {"n": latest.number}
            raise ValidationError({"text": ValidationError(message, code="unchanged")})
        version = ProjectVersion.objects.create(
            procedure=procedure,
            number=latest.number + 1,
            text=text + "\n",
            summary=summary[:300],
            base=latest,
            created_by=by,
        )
        event(
            procedure,
            "table.project_saved",
            by=by,
            target=version,
            table=True,
            number=version.number,
        )
    return version


def comment_section(version: ProjectVersion, *, by, section: str, text: str) -> SectionComment:
    """A table participant comments on one section of a version of the project."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ValidationError(_("Write your comment."), code="required")})
    found = {s.slug: s for s in sections(version.text)}
    if section not in found:
        raise ValidationError(
            {"section": ValidationError(_("This version has no such section."), code="no_section")}
        )
    with transaction.atomic():
        procedure = locked(version.procedure)
        check_act(procedure, "edit_project", _("The project is discussed while the table works."))
        check_participant(procedure, by)
        comment = SectionComment.objects.create(
            version=version, section=section, heading=found[section].heading, text=text, by=by
        )
        event(procedure, "table.project_comment", by=by, target=comment, table=True)
    return comment


# --- adoption ------------------------------------------------------------------------------


def check_signed_act(upload) -> str:
    """The signed act is a PDF or a CAdES envelope (.p7m), kept byte for byte."""
    name = PurePath(getattr(upload, "name", "") or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ADOPTION_FILE_TYPES:
        raise ValidationError(
            {"file": ValidationError(_("Upload the signed act as PDF or .p7m."), code="bad_file")}
        )
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": ValidationError(_("The file is larger than 20 MB."), code="too_large")}
        )
    if upload.size == 0 or not content_matches(extension, upload):
        message = _("%(name)s is not a %(ext)s file.") % {"name": name, "ext": extension.upper()}
        raise ValidationError({"file": ValidationError(message, code="bad_file")})
    return name


def adopt_project(
    procedure: Procedure, *, by, version: ProjectVersion, act_number, act_date, reasons, upload
) -> Adoption:
    """The RUP adopts a version of the shared project by a reasoned, signed act; from then
    on the project no longer changes and the agreement is drawn up from it."""
    act_number, reasons = (act_number or "").strip(), (reasons or "").strip()
    if not act_number:
        raise ValidationError({"act_number": _("Give the number of the act.")})
    if act_date is None:
        raise ValidationError({"act_date": _("Give the date of the act.")})
    if act_date > timezone.localdate():
        raise ValidationError({"act_date": _("The act can't be dated in the future.")})
    if not reasons:
        raise ValidationError({"reasons": _("Give the reasons of the adoption.")})
    if upload is None:
        raise ValidationError({"file": _("Upload the signed act.")})
    name = check_signed_act(upload)
    with transaction.atomic():
        procedure = locked(procedure)
        if Adoption.objects.filter(procedure=procedure).exists():
            raise ValidationError(
                _("The shared project is already adopted."), code="already_adopted"
            )
        check_act(procedure, "adopt_project", _("The project is adopted while the table works."))
        check_actor(procedure, by, RUP)
        if version.procedure_id != procedure.pk:
            raise ValidationError({"version": _("This version belongs to another procedure.")})
        adoption = Adoption(
            procedure=procedure,
            version=version,
            act_number=act_number[:80],
            act_date=act_date,
            reasons=reasons,
            file_name=name[:255],
            file_sha256=sha256_of(upload),
            adopted_by=by,
        )
        adoption.file.save(name, upload, save=False)
        adoption.save()
        event(
            procedure,
            "table.project_adopted",
            by=by,
            target=adoption,
            table=True,
            number=version.number,
            act_number=adoption.act_number,
            sha256=adoption.file_sha256,
        )
        _notify_table(
            procedure,
            Kind.PROJECT_ADOPTED,
            template="procedures/email/project_adopted",
            context={"procedure": procedure, "adoption": adoption, "version": version},
            path=reverse("procedures:table_project", args=[procedure.pk]),
            by=by,
        )
    return adoption
