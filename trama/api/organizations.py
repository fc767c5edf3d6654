from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.organizations import services
from trama.organizations.access import MEMBER, access_organization, memberships_of
from trama.organizations.models import Organization
from trama.territories.forms import find_municipality

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import Pagination, ProvinceCode, RegionCode, Slug, Text
from .errors import ApiError, errors
from .schemas import MemberOut, MeOut, OrganizationIn, OrganizationOut

router = Router(tags=["organizations"])


class OrganizationFilters(Schema):
    q: Text(100) = ""
    # A Literal, not the enum: the ledger's entry kind is an enum named Kind too, and the
    # document has one component per name.
    kind: Literal[tuple(Organization.Kind.values)] | None = None
    region: RegionCode | None = None
    province: ProvinceCode | None = None
    verified: bool | None = None


def _queryset():
    return Organization.objects.select_related("municipality__province__region").order_by("name")


@router.get(
    "",
    response={200: list[OrganizationOut], **errors(401, 422)},
    auth=OptionalTokenAuth(),
    summary="List organisations",
    openapi_extra=OptionalTokenAuth.OPENAPI,
)
@paginate(Pagination)
def list_organizations(request, filters: Query[OrganizationFilters]):
    """Public directory; `region` is an ISTAT region code, `province` an abbreviation (LC)."""
    qs = _queryset().search(filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.region:
        qs = qs.filter(municipality__province__region__istat_code=filters.region)
    if filters.province:
        qs = qs.filter(municipality__province__abbreviation__iexact=filters.province)
    if filters.verified is not None:
        qs = qs.filter(verified_at__isnull=not filters.verified)
    return qs


@router.get(
    "/{slug}",
    response={200: OrganizationOut, **errors(401, 404, 422)},
    auth=OptionalTokenAuth(),
    summary="One organisation",
    openapi_extra=OptionalTokenAuth.OPENAPI,
)
def get_organization(request, slug: Slug):
    return access_organization(request.user, slug).organization


@router.get(
    "/{slug}/members",
    response={200: list[MemberOut], **errors(401, 403, 404, 422)},
    auth=TokenAuth(),
    summary="Members of an organisation (members only)",
)
@paginate(Pagination)
def list_members(request, slug: Slug):
    org = access_organization(request.user, slug, need=MEMBER).organization
    return [
        MemberOut(name=m.user.get_full_name(), email=m.user.email, role=m.role, since=m.created_at)
        for m in org.memberships.select_related("user").order_by("user__email")
    ]


@router.post(
    "",
    response={201: OrganizationOut, **errors(400, 401, 403, 422)},
    auth=TokenAuth(write=True),
    summary="Register an organisation",
)
def create_organization(request, payload: OrganizationIn):
    """The token's owner becomes the organisation's first administrator."""
    fields = payload.dict()
    for name in ("municipality", "lead_municipality"):
        text = fields.pop(name)
        municipality = find_municipality(text) if text else None
        if text and municipality is None:
            # Also when the name is shared (Castro, BG and LE): say how to pick one.
            message = _(
                "No single Italian municipality matches “%(text)s”: write it as “Lecco (LC)” "
                "or give its ISTAT code, e.g. “097042”."
            ) % {"text": text}
            raise ApiError(
                400,
                "unknown_municipality",
                message,
                {name: [{"code": "unknown", "message": message}]},
            )
        fields[name] = municipality
    if fields["municipality"] is None:
        message = _("The municipality is required.")
        raise ApiError(
            400,
            "unknown_municipality",
            message,
            {"municipality": [{"code": "required", "message": message}]},
        )
    org = services.create_organization(by=request.user, **fields)
    return Status(201, _queryset().get(pk=org.pk))


me_router = Router(tags=["account"])


@me_router.get(
    "", response={200: MeOut, **errors(401)}, auth=TokenAuth(), summary="The token's owner"
)
def me(request):
    return MeOut(
        email=request.user.email,
        name=request.user.get_full_name(),
        token_scope=request.api_token.scope,
        memberships=[
            {"organization": m.organization.slug, "name": m.organization.name, "role": m.role}
            for m in memberships_of(request.user)
        ],
    )
