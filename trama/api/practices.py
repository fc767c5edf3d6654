"""Practice sheets and the library of the community of practice.

Reads are public: published sheets for everyone, drafts too for their authors (a token of a
community member belonging to one of the sheet's actor bodies); every library document.
A sheet linked to a program on Trama carries the program's figures read now from the
ledger (`figures`, accepted actuals; null without a linked program, `has_data` false when
the ledger has no accepted figure yet). Writes call the services the pages call
(trama.community.practices.services), which refuse with stable codes: 403
`not_a_member`, `not_an_actor`, `not_document_editor`; 409 `stale_base`; 400
`program_not_of_actors`, `source_required`, `template_text_required`, `invalid_file`,
`file_too_large`, `not_member_of_organization`, `not_published`, `not_a_call_template`,
`required`, `too_long`, `years_inverted`.
"""

import base64
import binascii
import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.community.practices import services
from trama.community.practices.access import (
    access_document,
    access_practice,
    live_figures,
    visible_practices,
)
from trama.community.practices.files import MAX_FILE_BYTES
from trama.community.practices.models import Document, Phase, PracticeActor, Tag
from trama.organizations.models import Organization
from trama.programs.models import Area, Program
from trama.territories.models import Region

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import Amount, Id, InputSchema, Pagination, RegionCode, Slug, Text, bounded
from .errors import ApiError, errors, organization_named, refused
from .procedures import CallDetailOut
from .schemas import OrganizationRef

router = Router(tags=["community"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
WRITE = {"auth": TokenAuth(write=True)}
LIMITS = services.LIMITS

PhaseWord = Literal["co_programming", "co_design", "co_production", "institutional_partnership"]
AreaWord = Literal[tuple(Area.values)]
KindWord = Literal[tuple(Document.Kind.values)]
LicenceWord = Literal[tuple(Document.Licence.values)]
Year = Annotated[int, Field(ge=services.FIRST_YEAR, le=services.LAST_YEAR)]
MAX_FILE_BASE64 = (MAX_FILE_BYTES // 3 + 1) * 4


def _act(action):
    """Run a service; its 403 refusals keep their stable code (`not_an_actor`…)."""
    try:
        return action()
    except services.NotAllowed as exc:
        raise ApiError(403, exc.code, str(exc.args[0])) from None


# --- practice sheets --------------------------------------------------------------------------


class ActorOut(Schema):
    name: str
    organization: OrganizationRef | None

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_organization(obj):
        o = obj.organization
        return {"slug": o.slug, "name": o.name} if o else None


class PracticeOut(Schema):
    id: int
    title: str
    status: Literal["DRAFT", "PUBLISHED"]
    summary: str
    territory: str
    region: str | None = Field(description="The region's ISTAT code.")
    year_from: int
    year_to: int | None
    area: str
    phases: list[str]
    program: str | None = Field(description="Slug of the linked program on Trama.")
    actors: list[ActorOut]
    version: int
    updated_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_territory(obj):
        return obj.territory_label

    @staticmethod
    def resolve_region(obj):
        return obj.region.istat_code if obj.region_id else None

    @staticmethod
    def resolve_program(obj):
        return obj.program.slug if obj.program_id else None

    @staticmethod
    def resolve_actors(obj):
        return list(obj.actors.all())

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class LiveFiguresOut(Schema):
    has_data: bool = Field(description="False: the ledger has no accepted figure yet.")
    public: Decimal
    other_public: Decimal
    additional: Decimal
    total: Decimal
    leverage: Decimal | None = Field(description="Additional over public, in percent.")


class DeclaredFiguresOut(Schema):
    public: Decimal | None
    additional: Decimal | None
    source: str


class PracticeDetailOut(PracticeOut):
    resources: str
    figures: LiveFiguresOut | None = Field(description="Live from the ledger (linked program).")
    declared: DeclaredFiguresOut
    worked: str
    did_not_work: str
    contacts: str
    documents: list[int] = Field(description="Ids of library documents.")

    @staticmethod
    def resolve_declared(obj):
        return {
            "public": obj.declared_public,
            "additional": obj.declared_additional,
            "source": obj.declared_source,
        }

    @staticmethod
    def resolve_figures(obj):
        return getattr(obj, "live", None)

    @staticmethod
    def resolve_documents(obj):
        return [d.pk for d in obj.documents.all()]


class PracticeFilters(Schema):
    region: RegionCode | None = None
    phase: PhaseWord | None = None
    area: AreaWord | None = None


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(istat_code=code).first()
    if region is None:
        raise refused("region", "unknown_region", _("No region has this ISTAT code."))
    return region


def _with_actors(qs):
    return qs.prefetch_related(
        Prefetch("actors", queryset=PracticeActor.objects.select_related("organization"))
    )


@router.get(
    "/community/practices",
    response={200: list[PracticeOut], **errors(400, 401, 422)},
    summary="List the practice sheets",
    **PUBLIC,
)
@paginate(Pagination)
def list_practices(request, filters: Query[PracticeFilters]):
    """Newest first. Published sheets; a token's owner also sees the drafts they write."""
    return _with_actors(
        visible_practices(request.user)
        .filtered(
            region=_region(filters.region), phase=filters.phase or "", area=filters.area or ""
        )
        .for_list()
    )


def _detail(user, pk):
    practice = access_practice(user, pk)
    practice.live = live_figures(practice)
    return practice


@router.get(
    "/community/practices/{practice_id}",
    response={200: PracticeDetailOut, **errors(401, 404, 422)},
    summary="A practice sheet, with its figures read live from the ledger",
    **PUBLIC,
)
def get_practice(request, practice_id: Id):
    """404 for a draft the token's owner does not write."""
    return _detail(request.user, practice_id)


class ActorIn(InputSchema):
    organization: Slug | None = Field(None, description="Slug of a body on Trama.")
    name: Text(LIMITS["actor"]) = Field("", description="Name of a body not on Trama.")


class PracticeFieldsIn(InputSchema):
    title: Text(LIMITS["title"])
    summary: Text(LIMITS["summary"]) = ""
    region: RegionCode | None = None
    territory: Text(LIMITS["territory"]) = ""
    year_from: Year
    year_to: Year | None = None
    area: AreaWord = "SOCIAL_WELFARE"
    phases: list[PhaseWord] = Field([], max_length=len(Phase.values))
    actors: list[ActorIn] = Field(
        min_length=1, max_length=services.MAX_ACTORS, description="One must be the writer's body."
    )
    program: Slug | None = Field(None, description="A program of one of the actors.")
    resources: Text(LIMITS["resources"]) = ""
    declared_public: Amount | None = None
    declared_additional: Amount | None = None
    declared_source: Text(LIMITS["declared_source"]) = ""
    worked: Text(LIMITS["worked"]) = ""
    did_not_work: Text(LIMITS["did_not_work"]) = ""
    contacts: Text(LIMITS["contacts"]) = ""
    documents: list[Id] = Field([], max_length=50, description="Ids of library documents.")


class PracticeIn(PracticeFieldsIn):
    publish: bool = Field(False, description="True: public at once; otherwise a draft.")


def _actors(items: list[ActorIn]) -> list:
    slugs = [a.organization for a in items if a.organization]
    found = {o.slug: o for o in Organization.objects.filter(slug__in=slugs)}
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise refused(
            "actors",
            "unknown_organization",
            _("No organisation has the short name “%(slug)s”.") % {"slug": missing[0]},
        )
    return [found[a.organization] if a.organization else a.name for a in items]


def _practice_fields(payload) -> dict:
    """The sheet's fields as the services take them, bodies and documents looked up."""
    program = None
    if payload.program:
        program = Program.objects.filter(slug=payload.program).first()
        if program is None:
            raise refused("program", "unknown_program", _("No program has this short name."))
    documents = list(Document.objects.filter(pk__in=payload.documents))
    if len(documents) != len(set(payload.documents)):
        raise refused("documents", "unknown_document", _("No library document has this id."))
    amounts = bounded(
        declared_public=(payload.declared_public, services.AMOUNT),
        declared_additional=(payload.declared_additional, services.AMOUNT),
    )
    return {
        "title": payload.title,
        "summary": payload.summary,
        "region": _region(payload.region),
        "territory": payload.territory,
        "year_from": payload.year_from,
        "year_to": payload.year_to,
        "area": payload.area,
        "phases": payload.phases,
        "actors": _actors(payload.actors),
        "program": program,
        "resources": payload.resources,
        "declared_source": payload.declared_source,
        "worked": payload.worked,
        "did_not_work": payload.did_not_work,
        "contacts": payload.contacts,
        "documents": documents,
        **amounts,
    }


@router.post(
    "/community/practices",
    response={201: PracticeDetailOut, **errors(400, 401, 403, 422)},
    summary="Write a practice sheet",
    **WRITE,
)
def create_practice(request, payload: PracticeIn):
    """The token's owner must have joined the community and belong to one of the actors."""
    fields = _practice_fields(payload)
    practice = _act(
        lambda: services.create_practice(by=request.user, publish=payload.publish, **fields)
    )
    return Status(201, _detail(request.user, practice.pk))


class PracticeUpdateIn(PracticeFieldsIn):
    base_version: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None,
        description="The `version` edited: if another was saved since, nothing is saved and "
        "the answer is 409 `stale_base`.",
    )


@router.post(
    "/community/practices/{practice_id}/update",
    response={200: PracticeDetailOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Change a practice sheet",
    **WRITE,
)
def update_practice(request, practice_id: Id, payload: PracticeUpdateIn):
    """A community member belonging to one of the sheet's actor bodies (403 `not_an_actor`
    otherwise, `not_a_member` without joining) saves a new version; the sheet sent replaces
    the one recorded (lists included), the earlier versions stay in its history. 404 for a
    draft the token's owner does not write."""
    practice = access_practice(request.user, practice_id)
    fields = _practice_fields(payload)
    _act(
        lambda: services.update_practice(
            practice, by=request.user, base_version=payload.base_version, **fields
        )
    )
    return _detail(request.user, practice.pk)


@router.post(
    "/community/practices/{practice_id}/publish",
    response={200: PracticeDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Publish a practice sheet",
    **WRITE,
)
def publish_practice(request, practice_id: Id):
    """One of its writers (403 `not_an_actor` otherwise) makes a draft public: everyone
    reads it and members of the community comment on it. Publishing again changes nothing."""
    practice = access_practice(request.user, practice_id)
    _act(lambda: services.publish_practice(practice, by=request.user))
    return _detail(request.user, practice.pk)


class PracticeCommentIn(InputSchema):
    text: Text(LIMITS["comment"])


class PracticeCommentOut(Schema):
    id: int
    practice: int
    author: str = Field(description="The author's name in the community.")
    text: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_practice(obj):
        return obj.practice_id

    @staticmethod
    def resolve_author(obj):
        return obj.author.public_name


@router.post(
    "/community/practices/{practice_id}/comments",
    response={201: PracticeCommentOut, **errors(400, 401, 403, 404, 422)},
    summary="Comment on a practice sheet",
    **WRITE,
)
def comment_practice(request, practice_id: Id, payload: PracticeCommentIn):
    """A member of the community (403 `not_a_member` otherwise), in plain text, on a
    published sheet (`not_published` on a draft). The same comment sent twice within two
    minutes is posted once."""
    practice = access_practice(request.user, practice_id)
    comment = _act(lambda: services.add_comment(practice, by=request.user, text=payload.text))
    return Status(201, comment)


# --- the library ------------------------------------------------------------------------------


class DocumentVersionOut(Schema):
    number: int
    file_name: str
    content_type: str
    size: int
    sha256: str
    note: str
    created_at: datetime.datetime
    downloads: int
    download_url: str

    @staticmethod
    def resolve_download_url(obj):
        return reverse("practices:download", args=[obj.document_id, obj.number])


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    tags: list[str] = Field(description="Slugs of the tags.")
    licence: str
    author: str = Field(description="The author's name in the community (a pseudonym if gone).")
    body: OrganizationRef | None
    downloads: int
    updated_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_tags(obj):
        return [t.slug for t in obj.tags.all()]

    @staticmethod
    def resolve_author(obj):
        return obj.author.public_name

    @staticmethod
    def resolve_body(obj):
        return {"slug": obj.body.slug, "name": obj.body.name} if obj.body_id else None

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class DocumentDetailOut(DocumentOut):
    text: str = Field(description="For templates: the text a new call starts from.")
    versions: list[DocumentVersionOut]

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())


class DocumentFilters(Schema):
    kind: KindWord | None = None
    tag: Slug | None = None
    body: Slug | None = None
    licence: LicenceWord | None = None


@router.get(
    "/community/library",
    response={200: list[DocumentOut], **errors(400, 401, 422)},
    summary="List the library's documents",
    **PUBLIC,
)
@paginate(Pagination)
def list_documents(request, filters: Query[DocumentFilters]):
    """Most recently changed first. Filters: `kind`, `tag` (slug), `body` (slug), `licence`."""
    tag = body = None
    if filters.tag:
        tag = Tag.objects.filter(slug=filters.tag).first()
        if tag is None:
            raise refused("tag", "unknown_tag", _("No tag has this short name."))
    if filters.body:
        body = organization_named(filters.body, "body")
    return Document.objects.filtered(
        kind=filters.kind or "", tag=tag, body=body, licence=filters.licence or ""
    ).for_list()


@router.get(
    "/community/library/{document_id}",
    response={200: DocumentDetailOut, **errors(401, 404, 422)},
    summary="A library document with its versions",
    **PUBLIC,
)
def get_document(request, document_id: Id):
    return access_document(document_id)


class DocumentIn(InputSchema):
    kind: KindWord
    title: Text(LIMITS["title"])
    description: Text(LIMITS["description"])
    tags: list[Text(LIMITS["tag"])] = Field([], max_length=services.MAX_TAGS)
    licence: LicenceWord = "CC-BY-4.0"
    text: Text(LIMITS["text"]) = Field("", description="Required for templates.")
    body: Slug | None = Field(None, description="A body the token's owner is a member of.")
    file_name: Annotated[str, Field(min_length=5, max_length=200, pattern=r"^[^/\\\x00]+$")]
    file_base64: Annotated[str, Field(max_length=MAX_FILE_BASE64)]


@router.post(
    "/community/library",
    response={201: DocumentDetailOut, **errors(400, 401, 403, 422)},
    summary="Add a document to the library",
    **WRITE,
)
def create_document(request, payload: DocumentIn):
    """The token's owner must have joined the community; the file is its version 1."""
    try:
        data = base64.b64decode(payload.file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise refused("file_base64", "invalid_base64", _("The file is not valid Base64.")) from None
    body = None
    if payload.body:
        body = organization_named(payload.body, "body")
    document = _act(
        lambda: services.create_document(
            by=request.user,
            kind=payload.kind,
            title=payload.title,
            description=payload.description,
            tags=payload.tags,
            licence=payload.licence,
            text=payload.text,
            body=body,
            upload=SimpleUploadedFile(payload.file_name, data),
        )
    )
    return Status(201, access_document(document.pk))


class DocumentVersionIn(InputSchema):
    note: Text(LIMITS["note"]) = Field("", description="What changed.")
    file_name: Annotated[str, Field(min_length=5, max_length=200, pattern=r"^[^/\\\x00]+$")]
    file_base64: Annotated[str, Field(max_length=MAX_FILE_BASE64)]


@router.post(
    "/community/library/{document_id}/versions",
    response={201: DocumentVersionOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a new file to a library document",
    **WRITE,
)
def add_document_version(request, document_id: Id, payload: DocumentVersionIn):
    """Its author, or a member of its body who joined the community (403
    `not_document_editor` otherwise). The earlier versions stay downloadable; the same file
    as the latest sent again makes no new version (the latest comes back)."""
    document = access_document(document_id)
    try:
        data = base64.b64decode(payload.file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise refused("file_base64", "invalid_base64", _("The file is not valid Base64.")) from None
    version = _act(
        lambda: services.add_version(
            document,
            by=request.user,
            upload=SimpleUploadedFile(payload.file_name, data),
            note=payload.note,
        )
    )
    return Status(201, version)


class UseTemplateIn(InputSchema):
    program: Slug = Field(description="A program of a public body the token's owner acts for.")
    title: Text(LIMITS["title"]) = Field("", description="Empty: the template's title.")
    draft_key: Text(64) = Field(
        "", description="A key of the client's: the same key changes the draft it made."
    )


@router.post(
    "/community/library/{document_id}/use",
    response={201: CallDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Start a draft call from a call template",
    **WRITE,
)
def use_call_template(request, document_id: Id, payload: UseTemplateIn):
    """An officer of the program's verified public body (403 `forbidden` otherwise) starts a
    draft call whose object is the template's text; they become its RUP. Refused with
    `not_a_call_template` for another kind of document, `unknown_program`."""
    document = access_document(document_id)
    program = Program.objects.filter(slug=payload.program).first()
    if program is None:
        raise refused("program", "unknown_program", _("No program has this short name."))
    call = services.use_call_template(
        document,
        by=request.user,
        program=program,
        title=payload.title,
        draft_key=payload.draft_key,
    )
    return Status(201, call)
