"""Writing practice sheets and the library: every interface (pages, API, demo) calls these.

Each act checks first, then changes inside one transaction, then appends to the audit trail.
Refusals carry stable codes: `not_a_member` (has not joined the community), `not_an_actor`
(not a member of any body the sheet names), `not_document_editor`, `program_not_of_actors`,
`source_required`, `template_text_required`, `not_a_call_template`, `stale_base`,
`not_member_of_organization`, `invalid_file`, `file_too_large`, `required`, `too_long`.
"""

import datetime
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.community.access import is_moderator, member_of
from trama.community.models import Member
from trama.lib.files import sha256_of
from trama.lib.numbers import AMOUNT, clean_number
from trama.organizations.access import member_org_ids
from trama.organizations.models import Organization
from trama.procedures.services import draft_call
from trama.programs.models import Area, Program
from trama.territories.models import Municipality, Region

from .files import check_library_file
from .models import (
    Document,
    DocumentVersion,
    Phase,
    Practice,
    PracticeActor,
    PracticeComment,
    PracticeVersion,
    Tag,
)

LIMITS = {
    "title": 200,
    "summary": 2000,
    "territory": 200,
    "resources": 4000,
    "declared_source": 300,
    "worked": 8000,
    "did_not_work": 8000,
    "contacts": 2000,
    "description": 4000,
    "text": 100_000,
    "note": 300,
    "comment": 4000,
    "reason": 300,
    "actor": 200,
    "tag": 60,
}
MAX_TAGS = 10
MAX_ACTORS = 40
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The same form sent twice within this time (a double click, a resubmission) acts once.
REPEAT_WINDOW = datetime.timedelta(minutes=2)


class NotAllowed(PermissionDenied):
    """A 403 refusal with a stable code (the API returns it as the error's code)."""

    def __init__(self, message, code: str):
        super().__init__(message)
        self.code = code


def _refuse(field: str, message, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _text(field: str, value, *, required=False, limit: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    limit = LIMITS[limit or field]
    if "\x00" in value:
        raise _refuse(field, _("The text can't contain NUL characters."), "invalid_text")
    if required and not value:
        raise _refuse(field, _("This field is required."), "required")
    if len(value) > limit:
        raise _refuse(
            field,
            _("At most %(limit)d characters (this text has %(length)d).")
            % {"limit": limit, "length": len(value)},
            "too_long",
        )
    return value


def _member(by) -> Member:
    member = member_of(by)
    if member is None:
        raise NotAllowed(_("Join the community of practice first."), "not_a_member")
    return member


# --- the library ------------------------------------------------------------------------------


def _tags(names) -> list[Tag]:
    names = [n.strip() for n in (names or []) if n and n.strip()]
    if len(names) > MAX_TAGS:
        raise _refuse("tags", _("At most %(n)d tags.") % {"n": MAX_TAGS}, "too_many")
    tags = []
    for name in dict.fromkeys(names):
        name = _text("tags", name, limit="tag")
        slug = slugify(name)[:60]
        if not slug:
            raise _refuse(
                "tags", _("“%(tag)s” is not a usable tag.") % {"tag": name}, "invalid_tag"
            )
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
        tags.append(tag)
    return tags


def check_document(
    by, *, kind, title, description, tags=(), licence=Document.Licence.CC_BY_4, text="", body=None
) -> dict:
    """The document as it will be stored, or a refusal naming the wrong field."""
    if kind not in Document.Kind.values:
        raise _refuse("kind", _("Choose the kind of document."), "invalid_choice")
    if licence not in Document.Licence.values:
        raise _refuse("licence", _("Choose a licence."), "invalid_choice")
    if body is not None and (
        not isinstance(body, Organization) or body.pk not in member_org_ids(by)
    ):
        raise _refuse(
            "body",
            _("Choose one of the organisations you are a member of."),
            "not_member_of_organization",
        )
    text = _text("text", text)
    if kind in Document.TEMPLATE_KINDS and not text:
        raise _refuse(
            "text",
            _("A template needs its text: the text a new call or agreement starts from."),
            "template_text_required",
        )
    return {
        "kind": kind,
        "title": _text("title", title, required=True),
        "description": _text("description", description, required=True),
        "licence": licence,
        "text": text,
        "body": body,
    }


def create_document(*, by, upload, tags=(), note="", **fields) -> Document:
    """A member of the community adds a document to the library, with its first file."""
    member = _member(by)
    cleaned = check_document(by, **fields)
    content_type = check_library_file(upload)
    note = _text("note", note)
    digest = sha256_of(upload)
    now = timezone.now()
    with transaction.atomic():
        tag_rows = _tags(tags)
        # One person, one act at a time: the same form sent twice makes one document.
        Member.objects.select_for_update().filter(pk=member.pk).first()
        earlier = (
            Document.objects.filter(
                author=member,
                title=cleaned["title"],
                created_at__gte=now - REPEAT_WINDOW,
                versions__number=1,
                versions__sha256=digest,
            )
            .order_by("-pk")
            .first()
        )
        if earlier is not None:
            return earlier
        document = Document.objects.create(author=member, created_at=now, updated_at=now, **cleaned)
        document.tags.set(tag_rows)
        _store_version(document, 1, member, upload, content_type, digest, note, now)
        record_event(
            chain_for(document),
            "library.document_created",
            by=by,
            target=document,
            data={"kind": document.kind, "licence": document.licence, "sha256": digest},
        )
    return document


def _store_version(document, number, member, upload, content_type, digest, note, now):
    name = PurePath(upload.name).name
    version = DocumentVersion(
        document=document,
        number=number,
        file_name=name[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        note=note,
        uploaded_by=member,
        created_at=now,
    )
    version.file.save(name, upload, save=False)
    version.save()
    return version


def can_edit_document(user, document: Document) -> bool:
    """Its author, and the members of its body who joined the community."""
    member = member_of(user)
    if member is None:
        return False
    return document.author_id == member.pk or (
        document.body_id is not None and document.body_id in member_org_ids(user)
    )


def add_version(document: Document, *, by, upload, note="") -> DocumentVersion:
    """A new file for a document: the earlier versions stay downloadable."""
    member = _member(by)
    if not can_edit_document(by, document):
        raise NotAllowed(
            _("Only the author of the document and the members of its body can add a version."),
            "not_document_editor",
        )
    content_type = check_library_file(upload)
    note = _text("note", note)
    digest = sha256_of(upload)
    now = timezone.now()
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        latest = document.versions.order_by("-number").first()
        if latest is not None and latest.sha256 == digest:
            return latest  # the same file sent again: nothing new
        number = (latest.number if latest else 0) + 1
        version = _store_version(document, number, member, upload, content_type, digest, note, now)
        document.updated_at = now
        document.save(update_fields=["updated_at"])
        record_event(
            chain_for(document),
            "library.version_added",
            by=by,
            target=version,
            data={"number": number, "sha256": digest},
        )
    return version


def record_download(version: DocumentVersion) -> None:
    """Count one download of a version (and of its document), safe against concurrent ones."""
    with transaction.atomic():
        DocumentVersion.objects.filter(pk=version.pk).update(downloads=F("downloads") + 1)
        Document.objects.filter(pk=version.document_id).update(downloads=F("downloads") + 1)


def use_call_template(document: Document, *, by, program: Program, title="", draft_key=""):
    """A public-body officer starts a draft call in one of their programs from a template:
    the call's object (its description) is the template's text."""
    if document.kind != Document.Kind.CALL_TEMPLATE:
        raise _refuse(
            "document", _("Only a call template can start a call."), "not_a_call_template"
        )
    return draft_call(
        by=by,
        program=program,
        title=(title or "").strip() or document.title,
        description=document.text,
        draft_key=draft_key,
    )


# --- practice sheets --------------------------------------------------------------------------


def _year(field, value, *, required=False):
    if value in (None, ""):
        if required:
            raise _refuse(field, _("This field is required."), "required")
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise _refuse(field, _("Write a year, e.g. 2016."), "invalid_year") from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise _refuse(
            field,
            _("Write a year between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            "invalid_year",
        )
    return value


def _actors(actors) -> list:
    """Organisations on Trama, or names of bodies that aren't on it, without repeats."""
    rows, seen = [], set()
    for actor in actors or []:
        if isinstance(actor, Organization):
            key = ("org", actor.pk)
        elif isinstance(actor, str) and actor.strip():
            actor = _text("actors", actor, limit="actor")
            key = ("name", actor.casefold())
        else:
            continue
        if key not in seen:
            seen.add(key)
            rows.append(actor)
    if len(rows) > MAX_ACTORS:
        raise _refuse("actors", _("At most %(n)d actors.") % {"n": MAX_ACTORS}, "too_many")
    return rows


def _amount(field, value):
    if value in (None, ""):
        return None
    return clean_number(value, AMOUNT, field)


def check_practice(
    by,
    *,
    title,
    year_from,
    year_to=None,
    summary="",
    region=None,
    municipality=None,
    territory="",
    area=Area.SOCIAL_WELFARE,
    phases=(),
    actors=(),
    program=None,
    resources="",
    declared_public=None,
    declared_additional=None,
    declared_source="",
    worked="",
    did_not_work="",
    contacts="",
    documents=(),
) -> dict:
    """The sheet as it will be stored, or a refusal naming the wrong field.

    The writer must be a member of one of the bodies the sheet names as actors.
    """
    cleaned = {
        "title": _text("title", title, required=True),
        "summary": _text("summary", summary),
        "territory": _text("territory", territory),
        "resources": _text("resources", resources),
        "declared_source": _text("declared_source", declared_source),
        "worked": _text("worked", worked),
        "did_not_work": _text("did_not_work", did_not_work),
        "contacts": _text("contacts", contacts),
        "year_from": _year("year_from", year_from, required=True),
        "year_to": _year("year_to", year_to),
        "declared_public": _amount("declared_public", declared_public),
        "declared_additional": _amount("declared_additional", declared_additional),
    }
    if cleaned["year_to"] is not None and cleaned["year_to"] < cleaned["year_from"]:
        raise _refuse("year_to", _("The last year comes before the first."), "years_inverted")
    if area not in Area.values:
        raise _refuse("area", _("Choose an area."), "invalid_choice")
    phases = list(phases or [])
    if set(phases) - set(Phase.values):
        raise _refuse("phases", _("Choose among the phases listed."), "invalid_choice")
    if municipality is not None and not isinstance(municipality, Municipality):
        raise _refuse("municipality", _("Choose an Italian municipality."), "invalid_choice")
    if region is not None and not isinstance(region, Region):
        raise _refuse("region", _("Choose an Italian region."), "invalid_choice")
    if municipality is not None:
        region = municipality.province.region
    if (cleaned["declared_public"] is not None or cleaned["declared_additional"] is not None) and (
        not cleaned["declared_source"]
    ):
        raise _refuse(
            "declared_source",
            _("Say where the declared figures come from (a report, a resolution…)."),
            "source_required",
        )
    actors = _actors(actors)
    org_ids = {a.pk for a in actors if isinstance(a, Organization)}
    if not org_ids & member_org_ids(by):
        raise NotAllowed(
            _(
                "Only members of the bodies involved can write a practice sheet: name among the "
                "actors an organisation you are a member of on Trama."
            ),
            "not_an_actor",
        )
    if program is not None and program.owner_id not in org_ids:
        raise _refuse(
            "program",
            _("Link a program run by one of the sheet's actors."),
            "program_not_of_actors",
        )
    documents = list(documents or [])
    if any(not isinstance(d, Document) for d in documents):
        raise _refuse("documents", _("Choose documents of the library."), "invalid_choice")
    return cleaned | {
        "region": region,
        "municipality": municipality,
        "area": area,
        "program": program,
        "phases": phases,
        "actors": actors,
        "documents": documents,
    }


def _apply(practice: Practice, cleaned: dict) -> tuple[list, list]:
    cleaned = dict(cleaned)
    phases, actors, documents = (
        cleaned.pop("phases"),
        cleaned.pop("actors"),
        cleaned.pop("documents"),
    )
    for field, value in cleaned.items():
        setattr(practice, field, value)
    for phase in Phase.values:
        setattr(practice, phase, phase in phases)
    return actors, documents


def _set_related(practice: Practice, actors, documents) -> None:
    practice.actors.all().delete()
    PracticeActor.objects.bulk_create(
        [
            PracticeActor(
                practice=practice,
                organization=a if isinstance(a, Organization) else None,
                name="" if isinstance(a, Organization) else a,
                position=i,
            )
            for i, a in enumerate(actors)
        ]
    )
    practice.documents.set(documents)


def snapshot(practice: Practice, actors, documents) -> dict:
    """What a version records: the sheet's text, readable without the rows it named."""

    def amount(value):
        return str(value) if value is not None else None

    return {
        "title": practice.title,
        "summary": practice.summary,
        "territory": practice.territory_label,
        "region": practice.region.name if practice.region_id else "",
        "year_from": practice.year_from,
        "year_to": practice.year_to,
        "area": practice.area,
        "phases": practice.phases,
        "program": practice.program.slug if practice.program_id else "",
        "actors": [a.name if isinstance(a, Organization) else a for a in actors],
        "resources": practice.resources,
        "declared_public": amount(practice.declared_public),
        "declared_additional": amount(practice.declared_additional),
        "declared_source": practice.declared_source,
        "worked": practice.worked,
        "did_not_work": practice.did_not_work,
        "contacts": practice.contacts,
        "documents": [{"id": d.pk, "title": d.title} for d in documents],
    }


def create_practice(*, by, publish=False, **fields) -> Practice:
    """A member of one of the bodies involved writes a practice sheet (version 1)."""
    member = _member(by)
    cleaned = check_practice(by, **fields)
    now = timezone.now()
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        earlier = Practice.objects.filter(
            created_by=member, title=cleaned["title"], created_at__gte=now - REPEAT_WINDOW
        ).first()
        if earlier is not None:
            return earlier  # the same form sent twice
        practice = Practice(created_by=member, created_at=now, updated_at=now, version=1)
        actors, documents = _apply(practice, cleaned)
        if publish:
            practice.status, practice.published_at = Practice.Status.PUBLISHED, now
        practice.save()
        _set_related(practice, actors, documents)
        PracticeVersion.objects.create(
            practice=practice,
            number=1,
            author=member,
            created_at=now,
            data=snapshot(practice, actors, documents),
        )
        record_event(
            chain_for(practice),
            "practice.created",
            by=by,
            target=practice,
            data={"version": 1, "status": practice.status},
        )
    return practice


def check_can_edit(by, practice: Practice) -> Member:
    """A member of the community who belongs to one of the sheet's actor bodies."""
    member = _member(by)
    actor_ids = set(
        practice.actors.filter(organization__isnull=False).values_list("organization_id", flat=True)
    )
    if not actor_ids & member_org_ids(by):
        raise NotAllowed(
            _("Only members of the bodies involved in the practice can change its sheet."),
            "not_an_actor",
        )
    return member


def update_practice(practice: Practice, *, by, base_version=None, **fields) -> Practice:
    """Save a new version of the sheet; the earlier ones stay readable in its history."""
    cleaned = check_practice(by, **fields)
    with transaction.atomic():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        member = check_can_edit(by, practice)
        if base_version is not None and int(base_version) != practice.version:
            raise ValidationError(
                _(
                    "Someone saved a newer version of this sheet while you were writing: open "
                    "it again and redo your changes."
                ),
                code="stale_base",
            )
        now = timezone.now()
        actors, documents = _apply(practice, cleaned)
        practice.version += 1
        practice.updated_at = now
        practice.save()
        _set_related(practice, actors, documents)
        PracticeVersion.objects.create(
            practice=practice,
            number=practice.version,
            author=member,
            created_at=now,
            data=snapshot(practice, actors, documents),
        )
        record_event(
            chain_for(practice),
            "practice.updated",
            by=by,
            target=practice,
            data={"version": practice.version},
        )
    return practice


def publish_practice(practice: Practice, *, by) -> Practice:
    """The sheet becomes public; publishing twice changes nothing."""
    with transaction.atomic():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        check_can_edit(by, practice)
        if practice.is_published:
            return practice
        practice.status, practice.published_at = Practice.Status.PUBLISHED, timezone.now()
        practice.save(update_fields=["status", "published_at"])
        record_event(chain_for(practice), "practice.published", by=by, target=practice)
    return practice


def add_comment(practice: Practice, *, by, text) -> PracticeComment:
    """A member of the community comments on a published sheet (plain text)."""
    member = _member(by)
    if not practice.is_published:
        raise _refuse("text", _("Comments open once the sheet is published."), "not_published")
    text = _text("text", text, required=True, limit="comment")
    now = timezone.now()
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        earlier = PracticeComment.objects.filter(
            practice=practice, author=member, text=text, created_at__gte=now - REPEAT_WINDOW
        ).first()
        if earlier is not None:
            return earlier
        return PracticeComment.objects.create(
            practice=practice, author=member, text=text, created_at=now
        )


def hide_comment(comment: PracticeComment, *, by, reason) -> PracticeComment:
    """A moderator hides a comment, with a reason (kept in the audit trail)."""
    if not is_moderator(by):
        raise NotAllowed(_("Only the community's moderators can hide comments."), "not_moderator")
    reason = _text("reason", reason, required=True)
    with transaction.atomic():
        comment = PracticeComment.objects.select_for_update().get(pk=comment.pk)
        if comment.hidden_at is not None:
            return comment
        comment.hidden_at, comment.hidden_reason = timezone.now(), reason
        comment.save(update_fields=["hidden_at", "hidden_reason"])
        record_event(
            chain_for(comment.practice),
            "practice.comment_hidden",
            by=by,
            target=comment,
            data={"comment": comment.pk},
        )
    return comment
