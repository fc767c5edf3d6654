"""Organisations: the directory, their profile, members and invitations; and, under /me, the
token's owner: the invitations sent to them and their notifications.

Every write calls the organisations' (or the notifications') service, with the same access
helpers as the pages: a body's private pages are for its members (404 for anyone else), its
acts for its administrators (403 for its other members).
"""

from datetime import datetime
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from trama.notifications import services as notifications
from trama.notifications.access import access_notification
from trama.notifications.models import Delivery, Notification
from trama.notifications.models import Kind as NotificationKind
from trama.organizations import services
from trama.organizations.access import ADMIN, MEMBER, access_organization, memberships_of
from trama.organizations.models import Invitation, Membership, Organization
from trama.territories.forms import find_municipality

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import Id, InputSchema, Pagination, ProvinceCode, RegionCode, Slug, Text
from .errors import ApiError, errors
from .schemas import MemberOut, MeOut, OrganizationIn, OrganizationOut, OrganizationRef

router = Router(tags=["organizations"])
WRITE = {"auth": TokenAuth(write=True)}

# Literals, not the enums: other enums share their names (the ledger's entry kind is an
# enum named Kind too), and the document has one component per name.
Role = Literal[tuple(Membership.Role.values)]
DeliveryWord = Literal[tuple(Delivery.values)]
NotificationKindWord = Literal[tuple(NotificationKind.values)]


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


def _member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        id=membership.pk,
        name=membership.user.get_full_name(),
        email=membership.user.email,
        role=membership.role,
        since=membership.created_at,
    )


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
    return [_member_out(m) for m in org.memberships.select_related("user").order_by("user__email")]


def _municipalities(fields: dict) -> None:
    """Each municipality named in `fields` as the Municipality it names (in place)."""
    for name in ("municipality", "lead_municipality"):
        if name not in fields:
            continue
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
    if "municipality" in fields and fields["municipality"] is None:
        message = _("The municipality is required.")
        raise ApiError(
            400,
            "unknown_municipality",
            message,
            {"municipality": [{"code": "required", "message": message}]},
        )


@router.post(
    "",
    response={201: OrganizationOut, **errors(400, 401, 403, 422)},
    auth=TokenAuth(write=True),
    summary="Register an organisation",
)
def create_organization(request, payload: OrganizationIn):
    """The token's owner becomes the organisation's first administrator."""
    fields = payload.dict()
    _municipalities(fields)
    org = services.create_organization(by=request.user, **fields)
    return Status(201, _queryset().get(pk=org.pk))


class OrganizationChangesIn(OrganizationIn):
    """The profile's fields, each optional: only those sent change."""

    name: Text(200) = ""
    kind: Text(16) = ""
    legal_form: Text(24) = ""
    municipality: Text(100, description="“Lecco (LC)” or an ISTAT code, e.g. “097042”.") = ""


@router.post(
    "/{slug}/update",
    response={200: OrganizationOut, **errors(400, 401, 403, 404, 422)},
    summary="Change an organisation's profile",
    **WRITE,
)
def update_organization(request, slug: Slug, payload: OrganizationChangesIn):
    """Its administrators. Only the fields sent change, checked as at registration (e.g.
    `invalid_tax_code`, `tax_code_taken`, `unknown_municipality`). Changing the name, the
    kind or the tax code of a verified organisation withdraws its verification until the
    platform staff verify it again."""
    org = access_organization(request.user, slug, need=ADMIN).organization
    fields = payload.dict(exclude_unset=True)
    _municipalities(fields)
    services.update_organization(org, by=request.user, **fields)
    return _queryset().get(pk=org.pk)


class SecurityIn(InputSchema):
    require_2fa: bool = Field(description="Whether every member must use two-factor sign-in.")


class SecurityOut(Schema):
    require_2fa: bool


@router.post(
    "/{slug}/security",
    response={200: SecurityOut, **errors(400, 401, 403, 404, 422)},
    summary="Require two-factor authentication of the members",
    **WRITE,
)
def set_two_factor_policy(request, slug: Slug, payload: SecurityIn):
    """Its administrators. Once required, a member without two-factor authentication must
    activate it before using the site's pages."""
    org = access_organization(request.user, slug, need=ADMIN).organization
    org = services.set_require_2fa(org, by=request.user, required=payload.require_2fa)
    return {"require_2fa": org.require_2fa}


class ClaimIn(InputSchema):
    message: Text(4000) = Field(description="Who you are and your role in the body.")


class ClaimOut(Schema):
    organization: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.slug


@router.post(
    "/{slug}/claim",
    response={201: ClaimOut, **errors(400, 401, 403, 404, 422)},
    summary="Ask the platform staff to be let into an organisation",
    **WRITE,
)
def claim_organization(request, slug: Slug, payload: ClaimIn):
    """Anyone, for a body registered by someone else; the staff decide and reply by e-mail.
    Refused with `required` (no message), `already_member`, or `already_claimed` while a
    request of the token's owner is pending. A member may ask only for a body nobody
    administers."""
    org = access_organization(request.user, slug).organization
    claim = services.claim_organization(org, by=request.user, message=payload.message)
    return Status(201, claim)


# Invitations


class InvitationOut(Schema):
    id: int
    organization: OrganizationRef
    email: str
    role: str
    invited_by: str
    created_at: datetime
    expires_at: datetime
    state: Literal["pending", "accepted", "revoked", "expired"]

    @staticmethod
    def resolve_invited_by(obj):
        return obj.invited_by.get_full_name() or obj.invited_by.email

    @staticmethod
    def resolve_state(obj):
        if obj.accepted_at:
            return "accepted"
        if obj.revoked_at:
            return "revoked"
        return "pending" if obj.expires_at > timezone.now() else "expired"


def _invitations():
    return Invitation.objects.select_related("organization", "invited_by")


class InvitationIn(InputSchema):
    email: Text(254)
    role: Role = "MEMBER"


@router.get(
    "/{slug}/invitations",
    response={200: list[InvitationOut], **errors(401, 403, 404, 422)},
    auth=TokenAuth(),
    summary="Pending invitations (administrators only)",
)
@paginate(Pagination)
def list_invitations(request, slug: Slug):
    """The invitations still open, soonest to expire first."""
    org = access_organization(request.user, slug, need=ADMIN).organization
    return _invitations().pending().filter(organization=org).order_by("expires_at", "pk")


@router.post(
    "/{slug}/invitations",
    response={201: InvitationOut, **errors(400, 401, 403, 404, 422)},
    summary="Invite a person by e-mail",
    **WRITE,
)
def invite_member(request, slug: Slug, payload: InvitationIn):
    """Its administrators. The invitation's link, with its secret, goes only to the address
    invited (never in this answer); a new invitation to the same address replaces a pending
    one. Refused with `already_member`, or `invalid` for an address that is not one."""
    org = access_organization(request.user, slug, need=ADMIN).organization
    invitation = services.invite_member(
        org, by=request.user, email=payload.email, role=payload.role, language=get_language()
    )
    return Status(201, _invitations().get(pk=invitation.pk))


@router.post(
    "/{slug}/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **errors(400, 401, 403, 404, 422)},
    summary="Withdraw an invitation",
    **WRITE,
)
def revoke_invitation(request, slug: Slug, invitation_id: Id):
    """Its administrators. Its link stops working; one already accepted, withdrawn or
    expired stays as it is (see `state`)."""
    org = access_organization(request.user, slug, need=ADMIN).organization
    invitation = get_object_or_404(_invitations(), pk=invitation_id, organization=org)
    services.revoke_invitation(invitation, by=request.user)
    return _invitations().get(pk=invitation.pk)


# Members


class RoleIn(InputSchema):
    role: Role


class MembershipRemovedOut(Schema):
    removed: bool


def _membership(org: Organization, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("organization", "user"),
        pk=membership_id,
        organization=org,
    )


@router.post(
    "/{slug}/members/{membership_id}/role",
    response={200: MemberOut, **errors(400, 401, 403, 404, 422)},
    summary="Change a member's role",
    **WRITE,
)
def change_member_role(request, slug: Slug, membership_id: Id, payload: RoleIn):
    """Its administrators. Refused with `last_admin` when it would leave the organisation
    without an administrator."""
    org = access_organization(request.user, slug, need=ADMIN).organization
    membership = services.change_member_role(
        _membership(org, membership_id), by=request.user, role=payload.role
    )
    return _member_out(membership)


@router.post(
    "/{slug}/members/{membership_id}/remove",
    response={200: MembershipRemovedOut, **errors(400, 401, 403, 404, 422)},
    summary="Remove a member, or leave",
    **WRITE,
)
def remove_member(request, slug: Slug, membership_id: Id):
    """Any member leaves (their own membership); only administrators remove others. Refused
    with `last_admin` for the last administrator: appoint another one first."""
    access = access_organization(request.user, slug, need=MEMBER)
    membership = _membership(access.organization, membership_id)
    if membership.user_id != request.user.pk:  # leaving is allowed to everyone
        access_organization(request.user, slug, need=ADMIN)
    services.remove_member(membership, by=request.user)
    return {"removed": True}


# The token's owner

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


@me_router.get(
    "/invitations",
    response={200: list[InvitationOut], **errors(401, 422)},
    auth=TokenAuth(),
    summary="Invitations sent to the token owner's address",
)
@paginate(Pagination)
def my_invitations(request):
    """Still open, soonest to expire first, as the personal area lists them."""
    return (
        _invitations()
        .pending()
        .filter(email__iexact=request.user.email)
        .order_by("expires_at", "pk")
    )


# The secret of an invitation's link (secrets.token_urlsafe), never its id.
InvitationToken = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[-A-Za-z0-9_]+$")]


class InvitationTokenIn(InputSchema):
    token: InvitationToken = Field(
        description="The secret at the end of the invitation's link: …/invito/{token}/."
    )


class JoinedOut(Schema):
    organization: OrganizationRef
    role: str


@me_router.post(
    "/invitations/accept",
    response={200: JoinedOut, **errors(400, 401, 403, 422)},
    summary="Accept an invitation by its link",
    **WRITE,
)
def accept_invitation(request, payload: InvitationTokenIn):
    """The token's owner joins the organisation, with the role invited, as the link's page
    does: only if the invitation was sent to their address (`wrong_account` otherwise).
    Refused with `invalid` (no such link), `used`, `revoked` or `expired`."""
    membership = services.accept_invitation(payload.token, user=request.user)
    return {"organization": membership.organization, "role": membership.role}


@me_router.post(
    "/invitations/{invitation_id}/accept",
    response={200: JoinedOut, **errors(400, 401, 403, 404, 422)},
    summary="Accept an invitation sent to the token owner's address",
    **WRITE,
)
def accept_invitation_sent_to_me(request, invitation_id: Id):
    """For an invitation listed at /me/invitations, as the personal area does: only once the
    owner's address is verified. Refused with `invalid` when the invitation is no longer
    open, was sent to another address, or the address is not verified."""
    membership = services.accept_invitation_sent_to(invitation_id, user=request.user)
    return {"organization": membership.organization, "role": membership.role}


# Notifications


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str = Field(description="The page of the act, or empty.")
    created_at: datetime
    read_at: datetime | None


class NotificationFilters(Schema):
    unread: bool | None = None


@me_router.get(
    "/notifications",
    response={200: list[NotificationOut], **errors(401, 422)},
    auth=TokenAuth(),
    summary="The token owner's notifications",
)
@paginate(Pagination)
def list_notifications(request, filters: Query[NotificationFilters]):
    """Newest first; `unread=true` for those not yet read."""
    qs = Notification.objects.for_user(request.user)
    if filters.unread is not None:
        qs = qs.filter(read_at__isnull=filters.unread)
    return qs.order_by("-created_at", "-pk")


@me_router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **errors(400, 401, 403, 404, 422)},
    summary="Mark a notification as read",
    **WRITE,
)
def mark_notification_read(request, notification_id: Id):
    """Only the owner's own notifications (404 for anyone else's)."""
    notification = access_notification(request.user, notification_id)
    return notifications.mark_read(notification, by=request.user)


class MarkedOut(Schema):
    marked: int = Field(description="How many were unread.")


@me_router.post(
    "/notifications/read-all",
    response={200: MarkedOut, **errors(400, 401, 403, 422)},
    summary="Mark every notification as read",
    **WRITE,
)
def mark_all_notifications_read(request):
    return {"marked": notifications.mark_all_read(by=request.user)}


class PreferenceOut(Schema):
    kind: str
    label: str
    delivery: str


class PreferencesIn(InputSchema):
    choices: dict[NotificationKindWord, DeliveryWord] = Field(
        max_length=len(NotificationKind),
        description="Kind of notification → `immediate` (an e-mail at once), `digest` (one "
        "e-mail a day) or `inbox` (only on Trama). Kinds not named keep their choice.",
    )


def _preferences(user) -> list[dict]:
    chosen = dict(user.notification_preferences.values_list("kind", "delivery"))
    return [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "delivery": chosen.get(kind, Delivery.IMMEDIATE),
        }
        for kind in notifications.kinds_for(user)
    ]


@me_router.get(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **errors(401)},
    auth=TokenAuth(),
    summary="How each kind of notification reaches the token's owner",
)
def notification_preferences(request):
    """Every kind the owner chooses about (the staff's own kinds only for platform staff)."""
    return _preferences(request.user)


@me_router.post(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **errors(400, 401, 403, 422)},
    summary="Choose how kinds of notification reach the token's owner",
    **WRITE,
)
def set_notification_preferences(request, payload: PreferencesIn):
    """Refused with `unknown_kind` for a kind the owner does not choose about (the staff's
    own kinds, for anyone but platform staff)."""
    allowed = set(notifications.kinds_for(request.user))
    foreign = sorted(kind for kind in payload.choices if kind not in allowed)
    if foreign:
        message = _("You don't receive this kind of notification.")
        raise ApiError(
            400,
            "unknown_kind",
            message,
            {f"choices.{kind}": [{"code": "unknown_kind", "message": message}] for kind in foreign},
        )
    notifications.set_preferences(by=request.user, choices=payload.choices)
    return _preferences(request.user)
