"""Partnerships, an entity's members and shares, and territories told and compared.

Reads are public, as the pages are. Every write calls the service the pages call
(trama.partnerships.services, trama.organizations.shares), which decides who may do it and
refuses with a stable code; nothing here repeats those rules. A territory is named by a key,
`<kind>:<code>` (trama.partnerships.territory): one that names nothing is a 404 with the
code `unknown_territory`.
"""

import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.ledger.figures import Basis, check_years
from trama.ledger.models import Category
from trama.ledger.vocabulary import ADDITIONAL_SOURCES
from trama.lib.numbers import Bounds
from trama.lib.refusals import refusal_code
from trama.organizations.models import Organization, ShareAct
from trama.organizations.shares import ShareTable, acts_in_force, annul_act, record_act, table_on
from trama.partnerships import services
from trama.partnerships import territory as territories
from trama.partnerships.forms import find_organization
from trama.partnerships.models import Coordinator, Partnership
from trama.partnerships.network import network_of
from trama.programs.models import Program

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import LONG_TEXT, Id, InputSchema, Pagination, Slug, Text, Year, bounded, decimal_type
from .errors import ApiError, errors, organization_named, refused
from .schemas import OrganizationRef, Ratio, money

router = Router(tags=["partnerships"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
WRITE = {"auth": TokenAuth(write=True)}

# A member's share of an entity, in %: more than 0, at most 100, two decimals.
SHARE = Bounds(decimals=2, maximum=Decimal("100"))
Share = decimal_type(
    SHARE,
    'Percent, more than 0 and at most 100: a string ("25.50") or a JSON number, at '
    "most two decimals.",
)
# A territory key: `region:03`, `province:097`, `municipality:097042`, `ambito:<slug>`,
# `program:<slug>`. Any text is looked up; one that names nothing is `unknown_territory`.
TerritoryKey = Text(
    120,
    description="`region:03`, `province:097`, `municipality:097042`, `ambito:<slug>` or "
    "`program:<slug>`.",
)
Member = Text(80, description="The member's short name (slug) or tax code (codice fiscale).")
BasisWord = Literal["accepted", "pledged"]


def _basis(word: str) -> str:
    return Basis.PLEDGED if word == "pledged" else Basis.ACCEPTED


def _ratio(value) -> str | None:
    return None if value is None else format(value, "f")


# --- schemas ------------------------------------------------------------------------------


class MemberOrgOut(OrganizationRef):
    kind: str


class HoldingOut(Schema):
    member: MemberOrgOut
    share: str = Field(description="Percent, two decimals (“25.50”).")
    public: bool = Field(description="The member is a public body.")


class ShareActOut(Schema):
    id: int
    kind: str
    date: datetime.date
    reference: str
    note: str
    annuls: int | None = Field(None, description="For an annulment, the id of the act it annuls.")


class ShareTableOut(Schema):
    """The members and their shares set by one act; `act` is null (and `holdings` empty)
    when the entity has no table on the date: not yet constituted, or not an entity with
    members' shares."""

    act: ShareActOut | None
    holdings: list[HoldingOut]
    public_share: str = Field(description="The public bodies' total, percent.")
    private_share: str = Field(description="The other members' total, percent.")


class ShareHistoryOut(Schema):
    entity: OrganizationRef
    tables: list[ShareTableOut] = Field(description="Every table in force, oldest first.")
    annulled: list[ShareActOut] = Field(description="Acts annulled: they never counted.")


class CoordinatorOut(Schema):
    id: int
    name: str
    role: str
    organization: OrganizationRef
    email: str


class NetworkMemberOut(Schema):
    organization: MemberOrgOut
    since: datetime.date
    first_seen_in: Literal["call", "agreement", "ledger"]


class PartnershipBase(Schema):
    slug: str
    kind: str
    origin: str
    name: str
    description: str
    owner: OrganizationRef
    program: str | None = Field(description="The program's slug (contractual).")
    entity: OrganizationRef | None = Field(description="The legal entity (institutional).")
    grew_from: str | None = Field(description="Slug of the contractual partnership it grew from.")
    became: str | None = Field(description="Slug of the institution it grew into.")
    formed_on: datetime.date
    url: str


class PartnershipOut(PartnershipBase):
    """A partnership in a list (read from a queryset that selects its relations)."""

    @staticmethod
    def resolve_program(obj):
        return obj.program.slug if obj.program_id else None

    @staticmethod
    def resolve_grew_from(obj):
        return obj.grew_from.slug if obj.grew_from_id else None

    @staticmethod
    def resolve_became(obj):
        became = _became(obj)
        return became.slug if became else None

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class PartnershipDetailOut(PartnershipBase):
    coordinators: list[CoordinatorOut]
    members: list[NetworkMemberOut] | None = Field(
        description="Contractual: the network's bodies and since when, oldest first."
    )
    shares: ShareTableOut | None = Field(
        description="Institutional: the members' share table in force today."
    )


def _ref(org) -> dict | None:
    return None if org is None else {"slug": org.slug, "name": org.name}


def _member(org) -> dict:
    return {"slug": org.slug, "name": org.name, "kind": org.kind}


def _act(act: ShareAct | None) -> dict | None:
    if act is None:
        return None
    return {
        "id": act.pk,
        "kind": act.kind,
        "date": act.date,
        "reference": act.reference,
        "note": act.note,
        "annuls": act.annuls_id,
    }


def _table(table: ShareTable) -> dict:
    return {
        "act": _act(table.act),
        "holdings": [
            {"member": _member(h.member), "share": money(h.share), "public": h.public}
            for h in table.holdings
        ],
        "public_share": money(table.public_share),
        "private_share": money(table.private_share),
    }


def _became(partnership: Partnership) -> Partnership | None:
    try:
        return partnership.became
    except Partnership.DoesNotExist:
        return None


def _partnership(p: Partnership) -> dict:
    became = _became(p)
    return {
        "slug": p.slug,
        "kind": p.kind,
        "origin": p.origin,
        "name": p.name,
        "description": p.description,
        "owner": _ref(p.owner),
        "program": p.program.slug if p.program_id else None,
        "entity": _ref(p.entity) if p.entity_id else None,
        "grew_from": p.grew_from.slug if p.grew_from_id else None,
        "became": became.slug if became else None,
        "formed_on": p.formed_on,
        "url": p.get_absolute_url(),
    }


def _coordinators(partnership: Partnership) -> list[dict]:
    return [
        {
            "id": c.pk,
            "name": c.name,
            "role": c.role,
            "organization": _ref(c.organization),
            "email": c.email,
        }
        for c in partnership.coordinators.select_related("organization").order_by("name", "pk")
    ]


def _partnerships():
    return Partnership.objects.select_related("owner", "program", "entity", "grew_from", "became")


def _detail(partnership: Partnership) -> dict:
    result = _partnership(partnership) | {
        "coordinators": _coordinators(partnership),
        "members": None,
        "shares": None,
    }
    if partnership.is_institutional:
        result["shares"] = _table(table_on(partnership.entity, timezone.localdate()))
    else:
        result["members"] = [
            {
                "organization": _member(m.organization),
                "since": m.since,
                "first_seen_in": m.first_seen_in,
            }
            for m in network_of([partnership.program_id]).members
        ]
    return result


# --- partnerships: reads -------------------------------------------------------------------


class PartnershipFilters(Schema):
    # A Literal, not Partnership.Kind: an enum is a component named after its class, and
    # the ledger's entry Kind already has that name.
    kind: Literal["CONTRACTUAL", "INSTITUTIONAL"] | None = None


@router.get(
    "/partnerships",
    response={200: list[PartnershipOut], **errors(401, 422)},
    summary="List partnerships",
    **PUBLIC,
)
@paginate(Pagination)
def list_partnerships(request, filters: Query[PartnershipFilters]):
    """Newest first. `kind` is `CONTRACTUAL` (it exists through a program's agreements) or
    `INSTITUTIONAL` (a legal entity whose members hold shares)."""
    qs = _partnerships().order_by("-formed_on", "name", "pk")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs


@router.get(
    "/partnerships/{slug}",
    response={200: PartnershipDetailOut, **errors(401, 404, 422)},
    summary="One partnership",
    **PUBLIC,
)
def get_partnership(request, slug: Slug):
    """With its coordinators; for a contractual partnership its network's bodies, each with
    the day it first appeared (`first_seen_in`: a call, an agreement or the ledger); for an
    institutional one the members' share table in force today, with the public and private
    totals."""
    return _detail(get_object_or_404(_partnerships(), slug=slug))


# --- partnerships: writes ------------------------------------------------------------------


class ContractualIn(InputSchema):
    formed_on: datetime.date = Field(
        description="The date of the first agreement signed with the Third-Sector partners."
    )
    name: Text(200) = Field("", description="Leave empty to call it after the program.")
    description: Text(LONG_TEXT) = ""


@router.post(
    "/programs/{slug}/partnership",
    response={201: PartnershipDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Record a program's contractual partnership from history",
    **WRITE,
)
def record_contractual(request, slug: Slug, payload: ContractualIn):
    """For a program whose agreements were signed before Trama; a program's first agreement
    signed on Trama forms it by itself. Members of the program's verified public body only.
    Refused with `program_has_partnership`, `future`."""
    program = get_object_or_404(Program, slug=slug)
    partnership = services.record_contractual(
        by=request.user,
        program=program,
        formed_on=payload.formed_on,
        name=payload.name,
        description=payload.description,
    )
    return Status(201, _detail(_partnerships().get(pk=partnership.pk)))


class InstitutionalIn(InputSchema):
    owner: Slug = Field(description="Slug of the public body that records it.")
    grew_from: Slug | None = Field(
        None, description="Slug of the contractual partnership the entity grew from."
    )
    formed_on: datetime.date | None = Field(
        None, description="Left out: the date of the entity's constitution in its share table."
    )
    name: Text(200) = Field("", description="Leave empty to use the entity's name.")
    description: Text(LONG_TEXT) = ""


@router.post(
    "/organizations/{slug}/institution",
    response={201: PartnershipDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Record an entity as an institutional partnership",
    **WRITE,
)
def record_institutional(request, slug: Slug, payload: InstitutionalIn):
    """The organisation `slug` (a social enterprise, a participation foundation…) is recorded
    as an institutional partnership by `owner`, a verified public body the token's owner is a
    member of. Refused with `entity_is_public`, `entity_recorded`, `grew_from_claimed`,
    `grew_from_not_contractual`, `grew_from_later`, `future`, or `required` when
    `formed_on` is left out and the entity has no constitution recorded."""
    entity = get_object_or_404(Organization, slug=slug)
    owner = organization_named(payload.owner, "owner")
    grew_from = None
    if payload.grew_from:
        grew_from = Partnership.objects.filter(slug=payload.grew_from).first()
        if grew_from is None:
            raise refused(
                "grew_from",
                "unknown_partnership",
                _("No partnership has the short name “%(slug)s”.") % {"slug": payload.grew_from},
            )
    partnership = services.record_institutional(
        by=request.user,
        owner=owner,
        entity=entity,
        grew_from=grew_from,
        formed_on=payload.formed_on,
        name=payload.name,
        description=payload.description,
    )
    return Status(201, _detail(_partnerships().get(pk=partnership.pk)))


class PartnershipIn(InputSchema):
    name: Text(200)
    description: Text(LONG_TEXT) = ""


@router.post(
    "/partnerships/{slug}/update",
    response={200: PartnershipDetailOut, **errors(400, 401, 403, 404, 422)},
    summary="Name and describe a partnership",
    **WRITE,
)
def update_partnership(request, slug: Slug, payload: PartnershipIn):
    """Members of the owning public body, and for an institution its own administrators.
    The description sent replaces the one recorded (send it empty to clear it)."""
    partnership = get_object_or_404(_partnerships(), slug=slug)
    services.update_partnership(
        partnership, by=request.user, name=payload.name, description=payload.description
    )
    return _detail(_partnerships().get(pk=partnership.pk))


class CoordinatorIn(InputSchema):
    name: Text(150)
    organization: Member = Field(
        description="The body the coordinator works for (slug or tax code): the owning public "
        "body, a body of the network, or the entity and its members."
    )
    role: Text(150) = ""
    email: Text(254) = ""


@router.post(
    "/partnerships/{slug}/coordinators",
    response={201: CoordinatorOut, **errors(400, 401, 403, 404, 422)},
    summary="Add a coordinator",
    **WRITE,
)
def add_coordinator(request, slug: Slug, payload: CoordinatorIn):
    """Who may name and describe the partnership adds its coordinators. Refused with
    `not_a_partner` when the body is not the owner, a body of the network, the entity or one
    of its members."""
    partnership = get_object_or_404(Partnership.objects.select_related("owner"), slug=slug)
    services.check_can_manage(request.user, partnership)
    organization = find_organization(payload.organization)
    if organization is None:
        raise refused(
            "organization",
            "not_a_partner",
            _("The coordinator must work for the public body or one of the partnership's bodies."),
        )
    coordinator = services.add_coordinator(
        partnership,
        by=request.user,
        name=payload.name,
        organization=organization,
        role=payload.role,
        email=payload.email,
    )
    return Status(
        201,
        {
            "id": coordinator.pk,
            "name": coordinator.name,
            "role": coordinator.role,
            "organization": _ref(organization),
            "email": coordinator.email,
        },
    )


@router.post(
    "/partnerships/{slug}/coordinators/{coordinator_id}/remove",
    response={200: list[CoordinatorOut], **errors(400, 401, 403, 404, 422)},
    summary="Remove a coordinator",
    **WRITE,
)
def remove_coordinator(request, slug: Slug, coordinator_id: Id):
    """Returns the coordinators that remain."""
    coordinator = get_object_or_404(
        Coordinator.objects.select_related("partnership__owner"),
        pk=coordinator_id,
        partnership__slug=slug,
    )
    partnership = coordinator.partnership
    services.remove_coordinator(coordinator, by=request.user)
    return _coordinators(partnership)


# --- an entity's members and shares --------------------------------------------------------


@router.get(
    "/organizations/{slug}/shares",
    response={200: ShareHistoryOut, **errors(401, 404, 422)},
    summary="An entity's share tables over time",
    **PUBLIC,
)
def share_history(request, slug: Slug):
    """Every share table the entity has had, oldest first, and the acts annulled. An
    organisation with no members' shares has an empty history."""
    entity = get_object_or_404(Organization, slug=slug)
    acts = acts_in_force(entity)
    annulled = ShareAct.objects.filter(entity=entity, annulled_by__isnull=False).order_by(
        "date", "pk"
    )
    return {
        "entity": _ref(entity),
        "tables": [_table(table_on(entity, a.date, acts[: i + 1])) for i, a in enumerate(acts)],
        "annulled": [_act(a) for a in annulled],
    }


class OnQuery(Schema):
    on: datetime.date | None = Field(None, description="YYYY-MM-DD; today if left out.")


@router.get(
    "/organizations/{slug}/shares/table",
    response={200: ShareTableOut, **errors(401, 404, 422)},
    summary="An entity's share table on a date",
    **PUBLIC,
)
def share_table(request, slug: Slug, query: Query[OnQuery]):
    """The table in force on `on` (today if left out): that of the latest act up to that
    day. Before the constitution, or for an organisation with no members' shares, the answer
    is 200 with `act` null, empty `holdings` and totals of 0.00: there is no table, which is
    not an error."""
    entity = get_object_or_404(Organization, slug=slug)
    return _table(table_on(entity, query.on or timezone.localdate()))


class HoldingIn(InputSchema):
    member: Member
    share: Share


class ShareActIn(InputSchema):
    kind: Literal["CONSTITUTION", "ADMISSION", "EXIT", "TRANSFER", "CAPITAL_INCREASE"]
    date: datetime.date
    reference: Text(150, description="Deed, resolution or register.") = ""
    note: Text(300) = ""
    holdings: list[HoldingIn] = Field(
        max_length=500, description="The whole table after the act: shares sum to 100."
    )


@router.post(
    "/organizations/{slug}/shares",
    response={201: ShareTableOut, **errors(400, 401, 403, 404, 422)},
    summary="Record a share act",
    **WRITE,
)
def record_share_act(request, slug: Slug, payload: ShareActIn):
    """An act sets the entity's whole table from its date: every member and its share,
    summing to 100. The entity's administrators (and the platform staff) record it. Refused
    with `shares_not_100`, `member_not_on_trama` (a member not registered on Trama),
    `member_twice`, `self_member`, `no_members`, `not_constituted`, `already_constituted`,
    `before_constitution`, `before_last_act`, `admits_nobody`, `exit_members`, `member_left`
    (a body that left comes back only by an admission), `future`; a share off its bounds is
    `not_positive`, `too_large` or `too_many_decimals`."""
    entity = get_object_or_404(Organization, slug=slug)
    shares = bounded(
        **{f"holdings.{i}.share": (h.share, SHARE) for i, h in enumerate(payload.holdings)}
    )
    # Members named by tax code or short name, in one query.
    texts = [h.member.strip() for h in payload.holdings]
    found = Organization.objects.named(texts)
    rows, unknown = [], []
    for i, text in enumerate(texts):
        org = found.get(text)
        if org is None:
            unknown.append((i, text))
        rows.append((org, shares[f"holdings.{i}.share"]))
    try:
        act = record_act(
            by=request.user,
            entity=entity,
            kind=payload.kind,
            date=payload.date,
            holdings=rows,
            reference=payload.reference,
            note=payload.note,
        )
    except ValidationError as error:
        if unknown and refusal_code(error) == "member_not_on_trama":
            # Say which members are not found, by their place in the list sent.
            message = _("No organisation on Trama has this short name or tax code.")
            fields = {
                f"holdings.{i}.member": [{"code": "member_not_on_trama", "message": message}]
                for i, _text in unknown
            }
            raise ApiError(400, "member_not_on_trama", " ".join(error.messages), fields) from None
        raise
    return Status(201, _table(table_on(entity, act.date, acts_in_force(entity))))


class AnnulIn(InputSchema):
    reason: Text(300)


@router.post(
    "/organizations/{slug}/shares/{act_id}/annul",
    response={201: ShareActOut, **errors(400, 401, 403, 404, 422)},
    summary="Annul a share act",
    **WRITE,
)
def annul_share_act(request, slug: Slug, act_id: Id, payload: AnnulIn):
    """An act recorded by mistake stops counting: a new act of kind `ANNULMENT` names it,
    with the reason, and the table before it is in force again. Only the latest act in force
    may be annulled (`not_latest`); an act that no longer counts is `not_in_force`."""
    act = get_object_or_404(
        ShareAct.objects.select_related("entity"),
        pk=act_id,
        entity__slug=slug,
    )
    return Status(201, _act(annul_act(by=request.user, act=act, reason=payload.reason)))


# --- territories ---------------------------------------------------------------------------


class TerritoryOut(Schema):
    key: str
    kind: Literal["municipality", "ambito", "province", "region", "program"]
    name: str
    population: int | None = Field(description="Residents, when every municipality's is known.")
    population_year: int | None


class StepOut(Schema):
    day: datetime.date
    kind: str = Field(description="program, call, tender, agreement, partnership or institution.")
    label: str
    title: str
    url: str
    network: int = Field(description="The network's bodies on that day.")
    public: str | None = Field(description="Public resources up to the step's year (euro).")
    additional: str | None = Field(description="Additional resources up to the step's year.")
    leverage: Ratio | None = Field(description="additional / public, %, 6 decimal places.")


class YearOut(Schema):
    year: int
    network: int = Field(description="The network's bodies at the end of the year.")
    public: str | None = Field(description="Public resources up to the year (euro).")
    additional: str | None = Field(description="Additional resources up to the year (euro).")
    leverage: Ratio | None = Field(description="additional / public, %, 6 decimal places.")


class TimelineOut(Schema):
    territory: TerritoryOut
    basis: BasisWord
    count: int = Field(description="Steps in the whole story.")
    page: int
    pages: int
    steps: list[StepOut] = Field(
        description=f"In order, {territories.PER_PAGE} a page. Resources are null (no data) "
        "before the first year with any."
    )
    years: list[YearOut] = Field(
        description="Every year from the first step (or figure) to the last, whatever the page."
    )


def _territory(t: territories.Territory) -> dict:
    return {
        "key": t.key,
        "kind": t.kind,
        "name": t.name,
        "population": t.population,
        "population_year": t.population_year,
    }


def _resolving(action):
    """Run `action`; a key that names no territory is a 404 with its stable code."""
    try:
        return action()
    except ValidationError as error:
        if getattr(error, "code", None) == "unknown_territory":
            raise ApiError(404, "unknown_territory", " ".join(error.messages)) from None
        raise


class BasisQuery(Schema):
    basis: BasisWord = "accepted"


class TimelineQuery(BasisQuery):
    page: int = Field(
        1, ge=1, le=100_000, description="Page of steps (a past last page gives the last)."
    )


@router.get(
    "/territories/timeline/{key}",
    response={200: TimelineOut, **errors(401, 404, 422)},
    summary="A territory's timeline",
    **PUBLIC,
)
def territory_timeline(request, key: TerritoryKey, query: Query[TimelineQuery]):
    """Programs, calls, agreements and partnerships in order, each with the network's size
    and the resources brought up to its year, on `basis` (`accepted` actuals or `pledged`),
    a page of steps at a time; and the territory year by year. A key that names nothing is
    a 404 with the code `unknown_territory`."""
    territory = _resolving(lambda: territories.resolve(key))
    story = territories.timeline(territory, basis=_basis(query.basis), page=query.page)
    return {
        "territory": _territory(territory),
        "basis": query.basis,
        "count": story.total,
        "page": story.page,
        "pages": story.pages,
        "years": [
            {
                "year": y.year,
                "network": y.network,
                "public": money(y.public) if y.has_data else None,
                "additional": money(y.additional) if y.has_data else None,
                "leverage": _ratio(y.leverage) if y.has_data else None,
            }
            for y in story.years
        ],
        "steps": [
            {
                "day": s.day,
                "kind": s.kind,
                "label": s.label,
                "title": s.title,
                "url": s.url,
                "network": s.network,
                "public": money(s.public) if s.has_data else None,
                "additional": money(s.additional) if s.has_data else None,
                "leverage": _ratio(s.leverage) if s.has_data else None,
            }
            for s in story.steps
        ],
    }


class NewcomersOut(Schema):
    call: str
    year: int | None
    taking_part: int = Field(description="Third-Sector bodies taking part in the call.")
    new: int = Field(description="Of which new to the network.")


class ComparisonOut(Schema):
    territory: TerritoryOut
    has_data: bool = Field(description="False: no ledger data in the territory and years.")
    entries: int
    public: str | None = Field(description="Euro; null when there is no data.")
    other_public: str | None
    additional: str | None
    by_source: dict[str, str] = Field(
        description="Additional resources by source (euro); empty when there is no data."
    )
    by_category: dict[str, str] = Field(
        description="Resources by category (euro); empty when there is no data."
    )
    leverage: Ratio | None = Field(description="additional / public, %; null without public money.")
    multiplier: Ratio | None = Field(description="(public + additional) / public.")
    public_per_inhabitant: str | None = Field(description="Euro; null without population or data.")
    additional_per_inhabitant: str | None
    calls: int
    agreements: int
    partners: int = Field(description="The network's bodies.")
    newcomer_share: str | None = Field(
        description="Of the Third-Sector bodies taking part in the calls, % new to the network "
        "(one decimal); null when no call had any."
    )
    newcomers: list[NewcomersOut]


class CompareQuery(Schema):
    t: list[TerritoryKey] = Field(description="2 to 6 territory keys, repeated: `?t=…&t=…`.")
    basis: BasisWord = "accepted"
    year_from: Year | None = None
    year_to: Year | None = None


@router.get(
    "/territories/compare",
    response={200: list[ComparisonOut], **errors(400, 401, 404, 422)},
    summary="Territories side by side",
    **PUBLIC,
)
def compare_territories(request, query: Query[CompareQuery]):
    """Each territory's figures, exactly as its page and `/figures` compute them, in the
    order given (repeated keys count once). Refused with `too_few_territories` (fewer than
    2), `too_many_territories` (more than 6), `years_inverted`; a key that names nothing is
    a 404 with the code `unknown_territory`. Where a territory has no data the figures are
    null, never zero."""
    check_years(query.year_from, query.year_to)
    chosen = _resolving(lambda: territories.resolve_many(query.t))
    results = territories.compare(
        chosen, basis=_basis(query.basis), year_from=query.year_from, year_to=query.year_to
    )
    out = []
    for r in results:
        f, data = r.figures, r.figures.has_data
        out.append(
            {
                "territory": _territory(r.territory),
                "has_data": data,
                "entries": f.entries,
                "public": money(f.public) if data else None,
                "other_public": money(f.other_public) if data else None,
                "additional": money(f.additional) if data else None,
                "by_source": {str(s): money(f.by_source.get(s, 0)) for s in ADDITIONAL_SOURCES}
                if data
                else {},
                "by_category": {str(c): money(f.by_category.get(c, 0)) for c in Category.values}
                if data
                else {},
                "leverage": _ratio(f.leverage),
                "multiplier": _ratio(f.multiplier),
                "public_per_inhabitant": _money_or_none(r.public_per_inhabitant, data),
                "additional_per_inhabitant": _money_or_none(r.additional_per_inhabitant, data),
                "calls": r.calls,
                "agreements": r.agreements,
                "partners": r.partners,
                "newcomer_share": _ratio(r.newcomer_share),
                "newcomers": [
                    {"call": title, "year": year, "taking_part": n, "new": new}
                    for title, year, n, new in r.newcomers
                ],
            }
        )
    return out


def _money_or_none(value, data: bool) -> str | None:
    return money(value) if data and value is not None else None


class RegionLeverageOut(Schema):
    istat_code: str
    leverage: str | None = Field(
        description="additional / public, %, one decimal (“21.9”); null without public money."
    )


@router.get(
    "/territories/leverage",
    response={200: list[RegionLeverageOut], **errors(401, 422)},
    summary="Every region's leverage",
    **PUBLIC,
)
def regions_leverage(request, query: Query[BasisQuery]):
    """The leverage of each region (by ISTAT code), as the territories' map shades it."""
    leverage = territories.region_leverage(_basis(query.basis))
    return [
        {"istat_code": code, "leverage": _ratio(value)} for code, value in sorted(leverage.items())
    ]
