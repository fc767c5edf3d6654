"""The resource ledger: programs, their entries, the acts on entries, and the figures.

Reads are public. Every write calls the ledger's service, which decides who may do it;
nothing here repeats those rules.
"""

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.ledger import services
from trama.ledger.access import access_entry
from trama.ledger.figures import Basis, Figures, Scope, check_years, compute_figures
from trama.ledger.funders import FunderView, funder_view
from trama.ledger.measure import in_measure, with_measure
from trama.ledger.models import (
    Category,
    Kind,
    LedgerEntry,
    Level,
    ReferenceRate,
    Source,
)
from trama.lib.numbers import AMOUNT, QUANTITY, UNIT_VALUE
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.access import access_program
from trama.programs.models import Area, Program
from trama.programs.services import create_program as open_program
from trama.territories.models import Province, Region

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import LONG_TEXT, Id, InputSchema, Pagination, RegionCode, Slug, Text, Year, bounded
from .errors import errors, organization_named, refused
from .schemas import (
    ConfirmIn,
    EntryIn,
    EntryMeasure,
    EntryOut,
    FiguresOut,
    ProgramDetailOut,
    ProgramOut,
    ReverseIn,
    VerifyIn,
    money,
)

router = Router(tags=["ledger"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
WRITE = {"auth": TokenAuth(write=True)}
# A request body is at most DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default): evidence of
# about 1.8 MB, in Base64. Larger files, up to the service's 10 MB, go by the entry's page.
MAX_EVIDENCE_BASE64 = 2_400_000


# Programs


class ProgramFilters(Schema):
    owner: Slug | None = None
    region: RegionCode | None = None
    area: Area | None = None


@router.get(
    "/programs",
    response={200: list[ProgramOut], **errors(401, 422)},
    summary="List programs",
    **PUBLIC,
)
@paginate(Pagination)
def list_programs(request, filters: Query[ProgramFilters]):
    """`owner` is the slug of the owning public body, `region` an ISTAT region code (03)."""
    qs = Program.objects.with_territory().order_by("-start_year", "title", "pk")
    if filters.owner:
        qs = qs.filter(owner__slug=filters.owner)
    if filters.region:
        qs = qs.filter(owner__municipality__province__region__istat_code=filters.region)
    if filters.area:
        qs = qs.filter(area=filters.area)
    return qs


@router.get(
    "/programs/{slug}",
    response={200: ProgramDetailOut, **errors(401, 404, 422)},
    summary="One program and its procedures",
    **PUBLIC,
)
def get_program(request, slug: Slug):
    return access_program(request.user, slug).program


class ProgramIn(InputSchema):
    owner: Slug = Field(description="A verified public body the token's owner is a member of.")
    title: Text(200)
    area: Area = Area.SOCIAL_WELFARE
    start_year: Year
    end_year: Year
    description: Text(LONG_TEXT) = ""


@router.post(
    "/programs",
    response={201: ProgramDetailOut, **errors(400, 401, 403, 422)},
    summary="Open a program",
    **WRITE,
)
def create_program(request, payload: ProgramIn):
    """A member of a public body verified by the platform staff opens a program for it (403
    for anyone else); `years_inverted` when the last year comes before the first."""
    owner = organization_named(payload.owner, "owner")
    data = payload.dict()
    data.pop("owner")
    program = open_program(by=request.user, owner=owner, **data)
    return Status(201, access_program(request.user, program.slug).program)


# Entries


def entries():
    """Entries with what EntryOut shows: relations, measure, latest events, reversing entry.

    A reversal has no events of its own: it counts wherever the entry it cancels counts
    (trama.ledger.measure), so it takes that entry's events.
    """
    return with_measure(LedgerEntry.objects.with_relations().select_related("rate")).annotate(
        reversed_by_id=Subquery(
            LedgerEntry.objects.filter(reverses=OuterRef("pk")).order_by().values("pk")[:1]
        ),
    )


class EntryFilters(Schema):
    kind: Kind | None = None
    source: Source | None = None
    category: Category | None = None
    year: Year | None = None
    contributor: Slug | None = None
    procedure: Id | None = None
    measure: EntryMeasure | None = None
    state: EntryMeasure | None = Field(None, description="The former name of `measure`.")


@router.get(
    "/programs/{slug}/entries",
    response={200: list[EntryOut], **errors(401, 404, 422)},
    summary="A program's ledger entries",
    **PUBLIC,
)
@paginate(Pagination)
def list_entries(request, slug: Slug, filters: Query[EntryFilters]):
    """Newest first, at most 100 a page. `contributor` is an organisation's slug; `measure`
    (where an entry counts in the figures) is `pledged` for pledges and, for actuals,
    `pending`, `accepted`, `rejected` or `disputed` (an accepted grant that its funder
    disputes). A reversal has the measure of the entry it cancels and counts against it.
    `state` is the former name of `measure`, still read."""
    program = access_program(request.user, slug).program
    qs = entries().filter(program=program).order_by("-pk")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.contributor:
        qs = qs.filter(contributor__slug=filters.contributor)
    if filters.procedure is not None:
        qs = qs.filter(procedure_id=filters.procedure)
    measure = filters.measure or filters.state
    if measure:
        qs = in_measure(qs, measure)
    return qs


@router.post(
    "/programs/{slug}/entries",
    response={201: EntryOut, **errors(400, 401, 403, 404, 422)},
    summary="Record a pledge or an actual",
    **WRITE,
)
def record_entry(request, slug: Slug, payload: EntryIn):
    """Members of a body record its resources; members of the program's verified public body
    record anyone's. An actual recorded by the public body is accepted at once; anyone
    else's waits for its verification. Refusals are 400 with the rule's code, e.g.
    `not_positive`, `too_many_decimals`, `too_large`, `funder_required`,
    `year_outside_program`."""
    program = access_program(request.user, slug).program
    # Canonical decimals, bounded as every form bounds them; the service takes Decimals.
    numbers = bounded(
        amount=(payload.amount, AMOUNT),
        quantity=(payload.quantity, QUANTITY),
        unit_value=(payload.unit_value, UNIT_VALUE),
    )
    contributor = organization_named(payload.contributor, "contributor")
    funder = organization_named(payload.funder, "funder") if payload.funder else None
    rate = None
    if payload.rate is not None:
        rate = ReferenceRate.objects.filter(pk=payload.rate).first()
        if rate is None:
            raise refused("rate", "unknown_rate", _("No such reference rate."))
    procedure = None
    if payload.procedure is not None:
        procedure = Procedure.objects.filter(pk=payload.procedure).first()
        if procedure is None:
            raise refused("procedure", "unknown_procedure", _("No such procedure."))
    entry = services.record_entry(
        by=request.user,
        program=program,
        kind=payload.kind,
        category=payload.category,
        source=payload.source,
        contributor=contributor,
        year=payload.year,
        amount=numbers["amount"],
        quantity=numbers["quantity"],
        unit=payload.unit,
        unit_value=numbers["unit_value"],
        rate=rate,
        procedure=procedure,
        funder=funder,
        grant_reference=payload.grant_reference,
        description=payload.description,
    )
    return Status(201, entries().get(pk=entry.pk))


@router.post(
    "/programs/{slug}/entries/{entry_id}/reverse",
    response={201: EntryOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Reverse an entry",
    **WRITE,
)
def reverse_entry(request, slug: Slug, entry_id: Id, payload: ReverseIn):
    """A correction: a new entry of the same amount that cancels this one, with a reason.
    Refused with `reversal_of_reversal` (400), or `already_reversed` (409)."""
    entry = access_entry(request.user, slug, entry_id).entry
    reversal = services.reverse_entry(entry, by=request.user, reason=payload.reason)
    return Status(201, entries().get(pk=reversal.pk))


@router.post(
    "/programs/{slug}/entries/{entry_id}/verify",
    response={200: EntryOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Accept or reject an actual",
    **WRITE,
)
def verify_entry(request, slug: Slug, entry_id: Id, payload: VerifyIn):
    """Members of the program's verified public body; a rejection says why. The first
    decision stands: another one is a 409 with the code `already_verified`."""
    entry = access_entry(request.user, slug, entry_id).entry
    services.verify_entry(entry, by=request.user, accept=payload.accept, reason=payload.reason)
    return entries().get(pk=entry.pk)


@router.post(
    "/programs/{slug}/entries/{entry_id}/confirm",
    response={200: EntryOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Confirm or dispute a foundation grant",
    **WRITE,
)
def confirm_entry(request, slug: Slug, entry_id: Id, payload: ConfirmIn):
    """Members of the funder the grant names; a dispute says why, and keeps the grant out of
    the accepted figures until the funder confirms it. A decision already taken is a 409
    with the code `already_confirmed`."""
    entry = access_entry(request.user, slug, entry_id).entry
    services.confirm_grant(
        entry, by=request.user, confirmed=payload.confirmed, reason=payload.reason
    )
    return entries().get(pk=entry.pk)


class EvidenceIn(InputSchema):
    file_name: Annotated[str, Field(min_length=5, max_length=255, pattern=r"^[^/\\\x00]+$")]
    file_base64: Annotated[
        str,
        Field(
            max_length=MAX_EVIDENCE_BASE64,
            description="The file (PDF, PNG, JPEG, XLSX, CSV or P7M) in Base64: about 1.8 MB "
            "at most here, larger files by the entry's page.",
        ),
    ]


class EvidenceOut(Schema):
    id: int
    entry: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime

    @staticmethod
    def resolve_entry(obj):
        return obj.entry_id


@router.post(
    "/programs/{slug}/entries/{entry_id}/evidence",
    response={201: EvidenceOut, **errors(400, 401, 403, 404, 422)},
    summary="Attach evidence to an entry",
    **WRITE,
)
def attach_evidence(request, slug: Slug, entry_id: Id, payload: EvidenceIn):
    """Whoever may record the entry's resources: the contributor's members and the owning
    public body's. The file stays private: the API never serves it, and only the
    contributor's, the owning body's and a grant's funder's members download it from the
    entry's page. Refused with `file_type`, `file_too_large`, `file_content_mismatch` (its
    bytes are not what its extension says) or `invalid_base64`."""
    entry = access_entry(request.user, slug, entry_id).entry
    try:
        content = base64.b64decode(payload.file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise refused("file_base64", "invalid_base64", _("The file is not valid Base64.")) from None
    upload = SimpleUploadedFile(payload.file_name, content)
    evidence = services.attach_evidence(entry, by=request.user, upload=upload)
    return Status(201, evidence)


# Figures


class FiguresQuery(Schema):
    level: Level
    id: Text(80) | None = None
    basis: Literal["accepted", "pledged"] = "accepted"
    year_from: Year | None = None
    year_to: Year | None = None


def _scope(level: str, ident: str | None) -> tuple[Scope, str]:
    """The scope named by a level and the id clients know it by, and its name."""
    if level == Level.COUNTRY:
        return Scope.country(), _("Italy")
    if not ident:
        # A rule of the levels, not of the document's shape: `id` is optional there.
        raise refused("id", "id_required", _("This level needs an id."))
    found = None
    if level == Level.PROGRAM:
        found = Program.objects.filter(slug=ident).values_list("pk", "title").first()
    elif level == Level.PROCEDURE:
        if ident.isascii() and ident.isdigit() and len(ident) <= 18:  # a bigint id
            found = Procedure.objects.filter(pk=ident).values_list("pk", "title").first()
    elif level in (Level.OWNER, Level.CONTRIBUTOR):
        found = Organization.objects.filter(slug=ident).values_list("pk", "name").first()
    elif level == Level.FUNDER:
        found = (
            Organization.objects.filter(slug=ident, kind=Organization.Kind.FUNDER)
            .values_list("pk", "name")
            .first()
        )
    elif level == Level.PROVINCE:
        found = (
            Province.objects.filter(Q(abbreviation__iexact=ident) | Q(istat_code=ident))
            .values_list("pk", "name")
            .first()
        )
    elif level == Level.REGION:
        found = Region.objects.filter(istat_code=ident).values_list("pk", "name").first()
    if found is None:
        raise Http404
    return Scope(level, found[0]), found[1]


def _ratio(value) -> str | None:
    """A ratio unrounded, as the figures keep it: 6 decimal places, never an exponent."""
    return None if value is None else format(value, "f")


def funder_out(view: FunderView) -> dict:
    return {
        "programs": [
            {
                "slug": row.program.slug,
                "title": row.program.title,
                "owner": row.program.owner.name,
                "procedures": [{"id": pk, "title": title} for pk, title in row.procedures],
                "grants": money(row.grants),
                "public": money(row.public),
                "other_public": money(row.other_public),
                "additional": money(row.additional),
                "leverage": _ratio(row.leverage),
            }
            for row in view.programs
        ],
        "public": money(view.public),
        "other_public": money(view.other_public),
        "additional": money(view.additional),
        "leverage": _ratio(view.leverage),
        "multiplier": _ratio(view.multiplier),
        "grants": {
            state.state: {
                "pledged": money(state.pledged),
                "pledges": state.pledges,
                "actual": money(state.actual),
                "actuals": state.actuals,
            }
            for state in view.states
        },
    }


def figures_out(figures: Figures, *, ident: str | None, name: str) -> dict:
    return {
        "scope": {"level": str(figures.scope.level), "id": ident, "name": name},
        "basis": "pledged" if figures.basis == Basis.PLEDGED else "accepted",
        "year_from": figures.year_from,
        "year_to": figures.year_to,
        "has_data": figures.has_data,
        "entries": figures.entries,
        "public": money(figures.public),
        "other_public": money(figures.other_public),
        "additional": money(figures.additional),
        "total": money(figures.total),
        "leverage": _ratio(figures.leverage),
        "multiplier": _ratio(figures.multiplier),
        "realisation_rate": _ratio(figures.realisation_rate),
        "pledged_additional": money(figures.pledged_additional),
        "accepted_additional": money(figures.accepted_additional),
        "pledged": money(figures.pledged),
        "accepted": money(figures.accepted),
        "pending": money(figures.pending),
        "rejected": money(figures.rejected),
        "disputed": money(figures.disputed),
        "by_source": {str(k): money(v) for k, v in figures.by_source.items()},
        "by_category": {str(k): money(v) for k, v in figures.by_category.items()},
        "by_year": [
            {
                "year": year,
                "public": money(public),
                "other_public": money(other_public),
                "additional": money(additional),
            }
            for year, public, other_public, additional in figures.by_year
        ],
        "by_contributor": [
            {"slug": org.slug, "name": org.name, "amount": money(amount)}
            for org, amount in figures.by_contributor
        ],
        "others": {
            "amount": money(figures.others),
            "count": figures.others_count,
            "count_is_lower_bound": figures.others_capped,
        },
    }


@router.get(
    "/figures",
    response={200: FiguresOut, **errors(400, 401, 404, 422)},
    summary="Figures for a scope",
    **PUBLIC,
)
def get_figures(request, query: Query[FiguresQuery]):
    """The figures the pages show. `id` names the scope: a program's or an organisation's
    slug (`program`, `owner`, `contributor`, `funder`), a procedure's id, a province's
    abbreviation (LC) or ISTAT code, a region's ISTAT code (03); none for `country`. `basis`
    is `accepted` (accepted actuals, the default) or `pledged`: the two are never mixed.
    `leverage` (additional / public, %) and `multiplier` are unrounded (6 decimal places) and
    null when there is no public money; `has_data` is false when the scope has no entry at
    all: no data, not zero. For `funder` the figures are those of the grants naming it, and
    `funder` adds the programs they are part of, the public and additional resources and
    the leverage of those programs, and its grants confirmed, awaiting or disputed. A range
    whose `year_from` comes after `year_to` is refused (400, `years_inverted`)."""
    check_years(query.year_from, query.year_to)
    scope, name = _scope(query.level, query.id)
    basis = Basis.PLEDGED if query.basis == "pledged" else Basis.ACCEPTED
    span = {"basis": basis, "year_from": query.year_from, "year_to": query.year_to}
    figures = compute_figures(scope, **span)
    ident = None if query.level == Level.COUNTRY else query.id
    result = figures_out(figures, ident=ident, name=name)
    if query.level == Level.FUNDER:
        funder = Organization.objects.get(pk=scope.id)
        result["funder"] = funder_out(funder_view(funder, **span))
    return result
