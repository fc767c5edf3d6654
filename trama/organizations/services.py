from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.lib.mail import send_template_email
from trama.lib.slugs import unique_slug

from . import signals
from .access import is_admin, is_member
from .models import Invitation, Membership, Organization, OrganizationClaim
from .validators import normalize_tax_code

EDITABLE_FIELDS = [
    "name",
    "kind",
    "public_body_type",
    "legal_form",
    "tax_code",
    "ipa_code",
    "vat_number",
    "runts_section",
    "runts_number",
    "pec",
    "email",
    "website",
    "legal_representative",
    "address",
    "municipality",
    "lead_municipality",
    "description",
]


def check_organization(org: Organization) -> None:
    """Validate an organisation's fields and the rules between them."""
    org.tax_code = normalize_tax_code(org.tax_code) or None
    org.ipa_code = (org.ipa_code or "").strip() or None
    if org.vat_number:
        org.vat_number = org.vat_number.replace(" ", "").upper().removeprefix("IT")
    errors: dict[str, ValidationError] = {}

    def error(field, message, code):
        errors.setdefault(field, ValidationError(message, code=code))

    if org.kind != Organization.Kind.PUBLIC_BODY:
        org.public_body_type = ""
    elif not org.public_body_type:
        error("public_body_type", _("Say which type of public body this is."), "required")
    is_ambito = org.public_body_type == Organization.PublicBodyType.AMBITO
    if not org.tax_code and not is_ambito:
        error(
            "tax_code",
            _("The tax code is required (only a social district may have none)."),
            "required",
        )
    if is_ambito and not org.lead_municipality_id:
        error("lead_municipality", _("A social district names its lead municipality."), "required")
    if org.ipa_code and org.kind != Organization.Kind.PUBLIC_BODY:
        error("ipa_code", _("Only a public body has an IPA code."), "not_public_body")
    if org.runts_section and not org.runts_number:
        error("runts_number", _("Give the RUNTS number for the chosen section."), "required")
    try:
        org.full_clean(
            exclude=["slug", "tax_code"] if "tax_code" in errors else ["slug"],
            validate_unique=False,
        )
    except ValidationError as exc:
        for field, field_errors in exc.error_dict.items():
            errors.setdefault(field, field_errors[0])
    if org.tax_code and "tax_code" not in errors:
        _check_tax_code_free(org)
    if org.ipa_code and "ipa_code" not in errors:
        taken = Organization.objects.filter(ipa_code=org.ipa_code).exclude(pk=org.pk).first()
        if taken is not None:
            error(
                "ipa_code",
                _("This IPA code is already registered for %(name)s.") % {"name": taken.name},
                "ipa_code_taken",
            )
    if errors:
        raise ValidationError(errors)


def _check_tax_code_free(org: Organization) -> None:
    taken = Organization.objects.filter(tax_code=org.tax_code).exclude(pk=org.pk).first()
    if taken is not None:
        raise ValidationError(
            {
                "tax_code": ValidationError(
                    _(
                        "This tax code is already registered for %(name)s. If you represent it, "
                        "ask to join it instead of creating a copy."
                    ),
                    code="tax_code_taken",
                    params={"name": taken.name, "slug": taken.slug},
                )
            }
        )


def create_organization(*, by, **fields) -> Organization:
    """Create an organisation; its creator becomes its first administrator."""
    members = fields.pop("member_municipalities", None)
    org = Organization(**fields)
    check_organization(org)
    org.slug = unique_slug(Organization, org.name, "ente")
    try:
        with transaction.atomic():
            org.save()
            if members is not None:
                org.member_municipalities.set(members)
            Membership.objects.create(organization=org, user=by, role=Membership.Role.ADMIN)
            record_event(
                chain_for(org),
                "organization.created",
                by=by,
                target=org,
                data={"name": org.name, "tax_code": org.tax_code or ""},
            )
            signals.organization_registered.send(sender=Organization, organization=org, by=by)
    except IntegrityError:
        # Two people registering the same tax code (or name) at the same moment: the
        # database kept the other one; tell this one as if it had come second.
        if org.tax_code:
            _check_tax_code_free(org)
        raise ValidationError(
            _("Someone registered the same organisation a moment ago. Reload and try again."),
            code="conflict",
        ) from None
    return org


def _field_values(org: Organization, names) -> dict:
    return {name: org.serializable_value(name) for name in names}


def update_organization(org: Organization, *, by, **fields) -> Organization:
    """Change an organisation's profile; changing who it is withdraws its verification."""
    members = fields.pop("member_municipalities", None)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        before = _field_values(org, fields)
        for key, value in fields.items():
            setattr(org, key, value)
        check_organization(org)
        after = _field_values(org, fields)
        changed = sorted(name for name in fields if before[name] != after[name])
        # Verification vouches for an identity: it does not survive a change of identity.
        unverified = bool(org.verified_at and {"tax_code", "kind", "name"} & set(changed))
        if unverified:
            org.verified_at = None
            org.verified_by = None
        if changed:
            org.save()
        if members is not None:
            org.member_municipalities.set(members)
        record_event(
            chain_for(org), "organization.updated", by=by, target=org, data={"fields": changed}
        )
        if unverified:
            signals.organization_needs_verification.send(
                sender=Organization, organization=org, by=by
            )
        if changed and _is_staff_act(by):
            names = [Organization._meta.get_field(name).verbose_name for name in changed]
            tell_admins_of_staff_act(org, by=by, act="updated", fields=names)
    return org


def verify_organization(org: Organization, *, by, verified: bool = True) -> Organization:
    """Platform staff confirm (or withdraw) that an organisation is who it says it is."""
    if not by.is_staff:
        raise PermissionDenied(_("Only platform staff verify organisations."))
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        org.verified_at = timezone.now() if verified else None
        org.verified_by = by if verified else None
        org.save(update_fields=["verified_at", "verified_by"])
        record_event(
            chain_for(org),
            "organization.verified" if verified else "organization.unverified",
            by=by,
            target=org,
        )
        tell_admins_of_staff_act(org, by=by, act="verified" if verified else "unverified")
    return org


def set_require_2fa(org: Organization, *, by, required: bool) -> Organization:
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        org.require_2fa = required
        org.save(update_fields=["require_2fa"])
        record_event(
            chain_for(org),
            "organization.require_2fa",
            by=by,
            target=org,
            data={"required": required},
        )
        if _is_staff_act(by):
            tell_admins_of_staff_act(org, by=by, act="require_2fa", required=required)
    return org


def invite_member(
    org: Organization, *, by, email: str, role: str = Membership.Role.MEMBER, language: str = "it"
) -> Invitation:
    """Invite a person by e-mail; the e-mail leaves once the invitation is saved."""
    email = (email or "").strip().lower()
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if Membership.objects.filter(organization=org, user__email__iexact=email).exists():
        # The code on the field's error: a dict's own code would be dropped.
        message = _("%(email)s is already a member.") % {"email": email}
        raise ValidationError({"email": ValidationError(message, code="already_member")})
    token = Invitation.new_token()
    with transaction.atomic():
        # A new invitation to the same address replaces any pending one.
        Invitation.objects.pending().filter(organization=org, email=email).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation(
            organization=org,
            email=email,
            role=role,
            token_hash=Invitation.hash_token(token),
            invited_by=by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.full_clean(exclude=["token_hash", "invited_by"])
        invitation.save()
        record_event(
            chain_for(org),
            "invitation.sent",
            by=by,
            target=invitation,
            data={"email": email, "role": role},
        )
        send_template_email(
            "organizations/email/invitation",
            email,
            {
                "organization": org,
                "invited_by": by,
                "invitation": invitation,
            },
            url=settings.SITE_URL + reverse("organizations:invitation", args=[token]),
            action=_("Accept the invitation"),
            language=language,
        )
    invitation.token = token  # available to the caller, never stored
    return invitation


def find_invitation(token: str) -> Invitation:
    """The invitation a link points to, or a ValidationError saying why it no longer works."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=Invitation.hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been used."), code="used")
    if invitation.revoked_at:
        raise ValidationError(_("This invitation was withdrawn."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation has expired. Ask the organisation for a new one."), code="expired"
        )
    return invitation


def accept_invitation(token: str, *, user) -> Membership:
    """Accept an invitation: the signed-in person joins the organisation."""
    with transaction.atomic():
        invitation = find_invitation(token)
        return _accept(invitation, user)


def accept_invitation_sent_to(invitation_id: int, *, user) -> Membership:
    """Accept, from the personal area, an invitation sent to the person's verified address.

    The link in the e-mail proves the address; so does signing in with it once verified.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.pending()
            .select_related("organization")
            .filter(pk=invitation_id, email__iexact=user.email)
            .first()
        )
        verified = EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()
        if invitation is None or not verified:
            raise ValidationError(
                _("This invitation is no longer open, or was sent to another address."),
                code="invalid",
            )
        return _accept(invitation, user)


def _accept(invitation: Invitation, user) -> Membership:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:  # accepted by a concurrent request
            raise ValidationError(_("This invitation has already been used."), code="used")
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email},
                code="wrong_account",
            )
        membership, created = Membership.objects.get_or_create(
            organization=invitation.organization, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record_event(
            chain_for(invitation.organization),
            "invitation.accepted",
            by=user,
            target=invitation,
            data={"email": invitation.email, "role": membership.role},
        )
    return membership


def revoke_invitation(invitation: Invitation, *, by) -> None:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            return
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            chain_for(invitation.organization),
            "invitation.revoked",
            by=by,
            target=invitation,
            data={"email": invitation.email},
        )
        if _is_staff_act(by):
            tell_admins_of_staff_act(
                invitation.organization, by=by, act="invitation_revoked", email=invitation.email
            )


def _check_keeps_an_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        organization=membership.organization, role=Membership.Role.ADMIN
    ).exclude(pk=membership.pk)
    if membership.is_admin and not others.exists():
        raise ValidationError(
            _("An organisation needs at least one administrator. Appoint another one first."),
            code="last_admin",
        )


def _check_manages_members(org: Organization, by) -> None:
    """The organisation's administrators manage its members; platform staff may, audited."""
    if not (by.is_staff or is_admin(by, org.pk)):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))


def add_member_by_staff(org: Organization, *, by, user, role: str = Membership.Role.MEMBER):
    """Platform staff put a person in an organisation; its administrators are told at once."""
    if not by.is_staff:
        raise PermissionDenied(_("Only platform staff add members directly."))
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not user.is_active:
        raise ValidationError(_("This account is not active."), code="inactive")
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        if is_member(user, org.pk):
            raise ValidationError(
                _("%(email)s is already a member.") % {"email": user.email},
                code="already_member",
            )
        membership = Membership.objects.create(organization=org, user=user, role=role)
        record_event(
            chain_for(org),
            "membership.added_by_staff",
            by=by,
            target=membership,
            data={"user": user.pk, "email": user.email, "role": role},
        )
        tell_admins_of_staff_act(org, by=by, act="member_added", member=user, role=role)
    return membership


def change_member_role(membership: Membership, *, by, role: str) -> Membership:
    """An administrator (or platform staff, audited and told) changes a member's role."""
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    _check_manages_members(membership.organization, by)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(organization=membership.organization).exists()
        membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
        if role != Membership.Role.ADMIN:
            _check_keeps_an_admin(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        record_event(
            chain_for(membership.organization),
            "membership.role_changed",
            by=by,
            target=membership,
            data={"user": membership.user_id, "email": membership.user.email, "role": role},
        )
        if _is_staff_act(by):
            tell_admins_of_staff_act(
                membership.organization,
                by=by,
                act="role_changed",
                member=membership.user,
                role=role,
            )
    return membership


def remove_member(membership: Membership, *, by) -> None:
    """A member leaves, or an administrator (or platform staff, audited and told) removes one."""
    if membership.user_id != by.pk:
        _check_manages_members(membership.organization, by)
    with transaction.atomic():
        list(Membership.objects.select_for_update().filter(organization=membership.organization))
        membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
        _check_keeps_an_admin(membership)
        org = membership.organization
        staff_act = membership.user_id != by.pk and _is_staff_act(by)
        record_event(
            chain_for(org),
            "membership.removed",
            by=by,
            target=membership,
            data={"user": membership.user_id, "email": membership.user.email},
        )
        membership.delete()
        if staff_act:
            tell_admins_of_staff_act(org, by=by, act="member_removed", member=membership.user)


def _is_staff_act(by) -> bool:
    """An act of platform staff: the organisation's administrators hear of it, even when the
    staff member is one of them too (a membership got through the admin must not silence
    the acts that follow)."""
    return by.is_staff


def tell_admins_of_staff_act(org: Organization, *, by, act: str, member=None, **details) -> None:
    """Announce what platform staff did to the organisation (its administrators are told)."""
    signals.staff_acted.send(
        sender=Organization, organization=org, by=by, act=act, member=member, details=details
    )


def claim_organization(org: Organization, *, by, message: str) -> OrganizationClaim:
    """Ask platform staff to be let into an organisation already registered by someone else."""
    message = (message or "").strip()
    if not message:
        raise ValidationError(
            {
                "message": ValidationError(
                    _("Tell the staff who you are and your role in the body."), code="required"
                )
            }
        )
    # A member may ask for the administrator role only of a body nobody administers (a
    # partner that can't confirm anything until someone can act for it).
    if (
        is_member(by, org.pk)
        and Membership.objects.filter(organization=org, role=Membership.Role.ADMIN).exists()
    ):
        raise ValidationError(
            _("You are already a member of this organisation."), code="already_member"
        )
    if OrganizationClaim.objects.filter(
        organization=org, user=by, status=OrganizationClaim.Status.PENDING
    ).exists():
        raise ValidationError(
            _("Your request is already with the platform staff."), code="already_claimed"
        )
    with transaction.atomic():
        claim = OrganizationClaim.objects.create(organization=org, user=by, message=message[:4000])
        record_event(chain_for(org), "claim.created", by=by, target=claim)
        signals.claim_submitted.send(sender=OrganizationClaim, claim=claim)
    return claim


def decide_claim(claim: OrganizationClaim, *, by, approve: bool) -> OrganizationClaim:
    """Staff approve a claim (the claimant becomes an administrator) or reject it."""
    if not by.is_staff:
        raise PermissionDenied(_("Only platform staff decide on claims."))
    if claim.user_id == by.pk:
        raise PermissionDenied(_("Another member of the staff decides on your own request."))
    with transaction.atomic():
        claim = OrganizationClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.status != OrganizationClaim.Status.PENDING:
            return claim
        claim.status = (
            OrganizationClaim.Status.APPROVED if approve else OrganizationClaim.Status.REJECTED
        )
        claim.decided_at = timezone.now()
        claim.decided_by = by
        claim.save(update_fields=["status", "decided_at", "decided_by"])
        if approve:
            Membership.objects.update_or_create(
                organization=claim.organization,
                user=claim.user,
                defaults={"role": Membership.Role.ADMIN},
            )
        record_event(
            chain_for(claim.organization),
            "claim.decided",
            by=by,
            target=claim,
            data={"status": claim.status, "user": claim.user_id},
        )
        signals.claim_decided.send(sender=OrganizationClaim, claim=claim, by=by)
        tell_admins_of_staff_act(
            claim.organization,
            by=by,
            act="claim_approved" if approve else "claim_rejected",
            member=claim.user,
        )
    return claim
