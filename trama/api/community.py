"""The community of practice: its directories, and joining, changing and leaving it.

Reads follow the pages' visibility: without a token (or for someone who has not joined)
only public profiles; for a member of the community the members-only ones too. Writes call
the services the pages call (trama.community.services), which refuse with stable codes:
`consent_required`, `required`, `too_long`, `invalid_text`, `not_member_of_organization`,
`already_member`, `not_a_member`.
"""

import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.community import services
from trama.community.access import member_of
from trama.community.directory import practising_organizations
from trama.community.models import Member, Topic
from trama.community.search import index as search_index
from trama.community.search import providers as search_providers
from trama.organizations.models import Organization
from trama.territories.models import Region

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import InputSchema, Pagination, RegionCode, Slug, Text
from .errors import ApiError, errors, refused
from .schemas import OrganizationRef

router = Router(tags=["community"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
READ = {"auth": TokenAuth()}
WRITE = {"auth": TokenAuth(write=True)}

KindWord = Literal["PUBLIC_BODY", "THIRD_SECTOR", "FUNDER", "OTHER"]


# --- schemas ------------------------------------------------------------------------------


class CommunityMemberOut(Schema):
    id: int
    name: str = Field(description="The name the member chose.")
    role: str
    organizations: list[OrganizationRef]
    region: str | None = Field(description="The region's ISTAT code.")
    topics: list[str] = Field(description="Slugs of the topics the member follows.")
    bio: str
    url: str

    @staticmethod
    def resolve_name(obj):
        return obj.public_name

    @staticmethod
    def resolve_region(obj):
        return obj.region.istat_code if obj.region_id else None

    @staticmethod
    def resolve_organizations(obj):
        return [{"slug": o.slug, "name": o.name} for o in obj.organizations.all()]

    @staticmethod
    def resolve_topics(obj):
        return [t.slug for t in obj.topics.all()]

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class MyCommunityMembershipOut(CommunityMemberOut):
    visibility: Literal["MEMBERS", "PUBLIC"]
    weekly_digest: bool = Field(description="Whether the member gets what's new by e-mail.")
    joined_at: datetime.datetime
    consent_version: str


class PractisingOrganizationOut(OrganizationRef):
    kind: str
    region: str = Field(description="The region's ISTAT code.")
    procedures: int = Field(description="Procedures it owns or took part in, drafts excluded.")
    agreements: int = Field(description="Signed agreements it is a party to.")

    @staticmethod
    def resolve_region(obj):
        return obj.municipality.province.region.istat_code

    @staticmethod
    def resolve_procedures(obj):
        return obj.procedure_count

    @staticmethod
    def resolve_agreements(obj):
        return obj.agreement_count


class CommunityLeftOut(Schema):
    pseudonym: str = Field(description="The name the member's contributions now show.")


# --- writes ---------------------------------------------------------------------------------


class CommunityProfileIn(InputSchema):
    display_name: Text(services.LIMITS["display_name"])
    organizations: list[Slug] = Field(
        [], max_length=50, description="Slugs of bodies the token's owner is a member of."
    )
    role: Text(services.LIMITS["role"]) = ""
    region: RegionCode | None = None
    topics: list[Slug] = Field([], max_length=50, description="Slugs of topics.")
    bio: Text(services.LIMITS["bio"]) = ""
    visibility: Literal["MEMBERS", "PUBLIC"] = "MEMBERS"
    weekly_digest: bool = Field(
        False, description="True: what's new in the member's topics and region, every Monday."
    )


class CommunityJoinIn(CommunityProfileIn):
    consent: bool = Field(
        False,
        description="True: the person agrees to the community's terms (the consent is "
        "recorded with the version of its text).",
    )


def _profile(payload: CommunityProfileIn) -> dict:
    organizations = list(Organization.objects.filter(slug__in=payload.organizations))
    missing = set(payload.organizations) - {o.slug for o in organizations}
    if missing:
        raise refused(
            "organizations",
            "unknown_organization",
            _("No organisation has the short name “%(slug)s”.") % {"slug": sorted(missing)[0]},
        )
    topics = list(Topic.objects.filter(slug__in=payload.topics))
    if set(payload.topics) - {t.slug for t in topics}:
        raise refused("topics", "unknown_topic", _("No topic has this short name."))
    return {
        "display_name": payload.display_name,
        "organizations": organizations,
        "role": payload.role,
        "region": _region(payload.region),
        "topics": topics,
        "bio": payload.bio,
        "visibility": payload.visibility,
        "weekly_digest": payload.weekly_digest,
    }


@router.post(
    "/community/join",
    response={201: MyCommunityMembershipOut, **errors(400, 401, 403, 422)},
    summary="Join the community",
    **WRITE,
)
def join_community(request, payload: CommunityJoinIn):
    """Refused with `consent_required` without consent, `already_member`, and the profile's
    codes (see the router's description)."""
    member = services.join_community(request.user, consent=payload.consent, **_profile(payload))
    return Status(201, _detail(member))


@router.post(
    "/community/me/update",
    response={200: MyCommunityMembershipOut, **errors(400, 401, 403, 404, 422)},
    summary="Change my community profile",
    **WRITE,
)
def update_membership(request, payload: CommunityProfileIn):
    """The profile sent replaces the one recorded (lists included)."""
    member = services.update_membership(_mine(request), by=request.user, **_profile(payload))
    return _detail(member)


# --- reads ----------------------------------------------------------------------------------


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(istat_code=code).first()
    if region is None:
        raise refused("region", "unknown_region", _("No region has this ISTAT code."))
    return region


class CommunityMemberFilters(Schema):
    region: RegionCode | None = None
    kind: KindWord | None = None
    topic: Slug | None = None


@router.get(
    "/community/members",
    response={200: list[CommunityMemberOut], **errors(400, 401, 422)},
    summary="List the community's members",
    **PUBLIC,
)
@paginate(Pagination)
def list_members(request, filters: Query[CommunityMemberFilters]):
    """By name. Public profiles for everyone; members-only profiles too when the token's
    owner has joined the community. Filters: `region` (ISTAT code), `kind` of one of the
    member's bodies, `topic` (slug)."""
    topic = None
    if filters.topic:
        topic = Topic.objects.filter(slug=filters.topic).first()
        if topic is None:
            raise refused("topic", "unknown_topic", _("No topic has this short name."))
    return (
        Member.objects.visible_to(request.user)
        .filtered(region=_region(filters.region), kind=filters.kind or "", topic=topic)
        .for_directory()
    )


class CommunityOrganizationFilters(Schema):
    region: RegionCode | None = None
    kind: KindWord | None = None


@router.get(
    "/community/organizations",
    response={200: list[PractisingOrganizationOut], **errors(400, 401, 422)},
    summary="List the organisations practising shared administration",
    **PUBLIC,
)
@paginate(Pagination)
def list_practising_organizations(request, filters: Query[CommunityOrganizationFilters]):
    """Bodies that own or took part in a procedure, are party to a signed agreement or have
    people in the community, by name, with those counts."""
    return practising_organizations(region=_region(filters.region), kind=filters.kind or "")


def _mine(request) -> Member:
    member = member_of(request.user)
    if member is None:
        raise ApiError(404, "not_a_member", _("You have not joined the community."))
    return member


def _detail(member: Member) -> Member:
    return Member.objects.for_directory().get(pk=member.pk)


@router.get(
    "/community/me",
    response={200: MyCommunityMembershipOut, **errors(401, 404)},
    summary="My membership of the community",
    **READ,
)
def my_membership(request):
    """404 with `not_a_member` for someone who has not joined."""
    return _detail(_mine(request))


@router.post(
    "/community/leave",
    response={200: CommunityLeftOut, **errors(400, 401, 403, 404)},
    summary="Leave the community",
    **WRITE,
)
def leave_community(request):
    """The profile is emptied and hidden; contributions stay under the returned pseudonym."""
    member = services.leave_community(_mine(request), by=request.user)
    return {"pseudonym": member.pseudonym}


# --- search -------------------------------------------------------------------------------


class SearchQueryIn(Schema):
    q: str = Field(min_length=1, max_length=200, description="Words, in Italian or not.")
    kind: str | None = Field(
        None,
        description="Only one type: " + ", ".join(search_providers.PROVIDERS) + ".",
        max_length=20,
    )


class SearchResultOut(Schema):
    kind: str
    title: str
    url: str
    snippet: str = Field(description="HTML: the text escaped, the matched words in <mark>.")


class _Results:
    """The matches as the paginator slices them: snippets made for one page only."""

    def __init__(self, text, user, kind):
        self.text, self.user, self.kind = text, user, kind

    def count(self):
        figures = search_index.counts(self.text, self.user)
        return figures.get(self.kind, 0) if self.kind else sum(figures.values())

    __len__ = count

    def __getitem__(self, window: slice):
        kinds = [self.kind] if self.kind else ()
        limit = window.stop - window.start
        return search_index.found(self.text, self.user, kinds, window.start, limit)


@router.get(
    "/search",
    response={200: list[SearchResultOut], **errors(400, 401, 422)},
    summary="Search",
    **PUBLIC,
)
@paginate(Pagination)
def search(request, query: Query[SearchQueryIn]):
    """Calls, bodies, members' profiles, practices, library documents, discussions and
    events, best first, in Italian (stems and accents ignored), as the token's owner may
    see them: members-only documents for members of the community; restricted and draft
    content never. An unknown `kind` is refused with the code `unknown_kind`."""
    if query.kind and query.kind not in search_providers.PROVIDERS:
        raise refused("kind", "unknown_kind", _("There is no such type of result."))
    return _Results(query.q.strip(), request.user, query.kind)
