"""The co-design table: open it, schedule a meeting and record its minutes, approve or
comment on minutes, save a version of the shared project and comment on its sections, adopt
it. Every operation calls the procedures' services and access helpers, as the pages do; the
table's documents are for its participants and the public body's officers only (404 for
anyone else)."""

import base64
import binascii
from datetime import date, datetime
from typing import Annotated

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from trama.procedures import services
from trama.procedures.access import access_procedure
from trama.procedures.models import Meeting, MinutesReview, SectionComment
from trama.procedures.services.table import latest_version

from .auth import TokenAuth
from .bounds import LONG_TEXT, NO_NUL, Id, InputSchema, Slug, Text
from .errors import ApiError, errors, organization_named

router = Router(tags=["co-design table"])
WRITE = {"auth": TokenAuth(write=True)}
# A signed act of up to 20 MB, in Base64.
MAX_FILE_BASE64 = 28_000_000


class ProjectVersionOut(Schema):
    call: int
    number: int
    summary: str
    created_at: datetime
    text: str

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id


class TableOut(Schema):
    call: int
    state: str
    project: ProjectVersionOut


class MeetingIn(InputSchema):
    title: Text(200)
    held_at: datetime
    agenda: Text(LONG_TEXT)
    place: Text(200) = ""
    online_link: Annotated[str, Field(max_length=500, pattern=r"^(https?://\S+)?$")] = ""


class AttendeeIn(InputSchema):
    organization: Slug
    person_name: Text(200)


class MinutesIn(InputSchema):
    minutes: Text(LONG_TEXT)
    attendance: list[AttendeeIn] = Field(max_length=500)


class AttendeeOut(Schema):
    organization: str
    person_name: str

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug


class MeetingOut(Schema):
    id: int
    call: int
    title: str
    held_at: datetime
    place: str
    online_link: str
    minutes: str
    minutes_round: int
    attendance: list[AttendeeOut]

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_attendance(obj):
        return list(obj.attendance.select_related("organization"))


class ReviewIn(InputSchema):
    organization: Slug
    approve: bool
    comment: Text(LONG_TEXT) = ""


class ReviewOut(Schema):
    meeting: int
    organization: str
    round: int
    decision: str
    comment: str

    @staticmethod
    def resolve_meeting(obj):
        return obj.meeting_id

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug


class VersionIn(InputSchema):
    base: Annotated[int, Field(ge=1, le=1_000_000, description="The version number edited.")]
    text: Text(200_000)
    summary: Text(300)


class CommentIn(InputSchema):
    section: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="The slug of a `##` section of the latest version, as its page names it.",
        ),
    ]
    text: Text(LONG_TEXT)


class CommentOut(Schema):
    id: int
    call: int
    version: int
    section: str
    heading: str
    text: str
    at: datetime

    @staticmethod
    def resolve_call(obj):
        return obj.version.procedure_id

    @staticmethod
    def resolve_version(obj):
        return obj.version.number


class AdoptionIn(InputSchema):
    version: Annotated[int, Field(ge=1, le=1_000_000)]
    act_number: Text(80)
    act_date: date
    reasons: Text(LONG_TEXT)
    file_name: Annotated[str, Field(min_length=5, max_length=255, pattern=r"^[^/\\\x00]+$")]
    file_base64: Annotated[
        str, Field(max_length=MAX_FILE_BASE64, description="The signed act (PDF or .p7m).")
    ]


class AdoptionOut(Schema):
    call: int
    version: int
    act_number: str
    act_date: date
    file_sha256: str

    @staticmethod
    def resolve_call(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_version(obj):
        return obj.version.number


def _table(request, call_id):
    access = access_procedure(request.user, call_id)
    if not access.sees_table:
        raise Http404
    return access


def _meeting(request, meeting_id) -> Meeting:
    meeting = Meeting.objects.select_related("procedure").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    access = _table(request, meeting.procedure_id)
    meeting.procedure = access.procedure
    return meeting


@router.post(
    "/calls/{call_id}/table",
    response={201: TableOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Open the co-design table",
    **WRITE,
)
def open_table(request, call_id: Id):
    """The RUP, once the ranking is published; the project's version 1 merges the selected
    proposals. `already_open` (409) if it is open, `nothing_selected` without a selection."""
    access = access_procedure(request.user, call_id, rup=True)
    version = services.open_table(access.procedure, by=request.user)
    return Status(201, {"call": call_id, "state": "TABLE", "project": version})


@router.post(
    "/calls/{call_id}/table/meetings",
    response={201: MeetingOut, **errors(400, 401, 403, 404, 422)},
    summary="Schedule a table meeting",
    **WRITE,
)
def schedule_meeting(request, call_id: Id, payload: MeetingIn):
    """The RUP; a place, an online link or both."""
    access = _table(request, call_id)
    meeting = services.schedule_meeting(access.procedure, by=request.user, **payload.dict())
    return Status(201, meeting)


@router.post(
    "/table/meetings/{meeting_id}/minutes",
    response={200: MeetingOut, **errors(400, 401, 403, 404, 422)},
    summary="Record a meeting's minutes",
    **WRITE,
)
def record_minutes(request, meeting_id: Id, payload: MinutesIn):
    """The RUP, after the meeting: the minutes and who attended, person by person (each
    body by its slug). A new draft asks the bodies to approve again; refused
    (`minutes_approved`) once every body has approved."""
    meeting = _meeting(request, meeting_id)
    attendance = [
        (organization_named(row.organization, "attendance"), row.person_name, None)
        for row in payload.attendance
    ]
    return services.record_table_minutes(
        meeting, by=request.user, minutes=payload.minutes, attendance=attendance
    )


@router.post(
    "/table/meetings/{meeting_id}/reviews",
    response={201: ReviewOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Approve or comment on minutes",
    **WRITE,
)
def review_minutes(request, meeting_id: Id, payload: ReviewIn):
    """An administrator of a body that attended, for that body (403 `forbidden` for anyone
    else); a comment is required when not approving. `already_approved` (409)."""
    meeting = _meeting(request, meeting_id)
    organization = organization_named(payload.organization, "organization")
    review = services.review_minutes(
        meeting,
        by=request.user,
        organization=organization,
        approve=payload.approve,
        comment=payload.comment,
    )
    return Status(201, MinutesReview.objects.select_related("organization").get(pk=review.pk))


@router.post(
    "/calls/{call_id}/project/comments",
    response={201: CommentOut, **errors(400, 401, 403, 404, 422)},
    summary="Comment on a section of the shared project",
    **WRITE,
)
def comment_section(request, call_id: Id, payload: CommentIn):
    """A table participant or officer comments on one section of the latest version, while
    the table works. Refusals: `required` (no text), `no_section` (the latest version has no
    such section)."""
    access = _table(request, call_id)
    latest = latest_version(access.procedure)
    if latest is None:
        raise ApiError(404, "not_found", _("Not found."))
    comment = services.comment_section(
        latest, by=request.user, section=payload.section, text=payload.text
    )
    return Status(201, SectionComment.objects.select_related("version").get(pk=comment.pk))


@router.post(
    "/calls/{call_id}/project/versions",
    response={201: ProjectVersionOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Save a version of the shared project",
    **WRITE,
)
def save_version(request, call_id: Id, payload: VersionIn):
    """A table participant or officer. `base` is the number of the version edited: if
    another was saved since, nothing is saved and the answer is 409 `stale_base`."""
    access = _table(request, call_id)
    base = access.procedure.project_versions.filter(number=payload.base).first()
    version = services.save_project_version(
        access.procedure, by=request.user, text=payload.text, summary=payload.summary, base=base
    )
    return Status(201, version)


@router.post(
    "/calls/{call_id}/project/adoption",
    response={201: AdoptionOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Adopt the shared project",
    **WRITE,
)
def adopt(request, call_id: Id, payload: AdoptionIn):
    """The RUP, by a reasoned act signed and sent in Base64 (PDF or .p7m, kept with its
    SHA-256). Afterwards the project can't be edited. `already_adopted` (409)."""
    access = _table(request, call_id)
    if not access.is_rup:
        raise ApiError(403, "forbidden", _("Only the procedure manager (RUP) can do this."))
    version = access.procedure.project_versions.filter(number=payload.version).first()
    if version is None:
        message = _("No such version.")
        raise ApiError(
            400,
            "unknown_version",
            message,
            {"version": [{"code": "unknown_version", "message": message}]},
        )
    try:
        content = base64.b64decode(payload.file_base64, validate=True)
    except (binascii.Error, ValueError):
        message = _("The file is not valid Base64.")
        raise ApiError(
            400, "bad_file", message, {"file_base64": [{"code": "bad_file", "message": message}]}
        ) from None
    upload = SimpleUploadedFile(payload.file_name, content)
    adoption = services.adopt_project(
        access.procedure,
        by=request.user,
        version=version,
        act_number=payload.act_number,
        act_date=payload.act_date,
        reasons=payload.reasons,
        upload=upload,
    )
    return Status(201, adoption)
