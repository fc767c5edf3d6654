from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for, verify_chain
from trama.conftest import make_org, make_user
from trama.organizations import services
from trama.organizations.models import Invitation, Membership, Organization, OrganizationClaim
from trama.territories.forms import find_municipality

pytestmark = pytest.mark.django_db


def _fields(**overrides):
    fields = {
        "name": "Cooperativa sociale Il Ponte",
        "kind": Organization.Kind.THIRD_SECTOR,
        "legal_form": Organization.LegalForm.SOCIAL_COOPERATIVE,
        "tax_code": "00166130138",
        "municipality": find_municipality("Merate (LC)"),
    }
    return {**fields, **overrides}


def test_it_makes_the_creator_the_first_admin_and_audits_it(personas):
    org = services.create_organization(by=personas.oscar, **_fields())
    assert Membership.objects.get(organization=org, user=personas.oscar).role == "ADMIN"
    assert org.slug == "cooperativa-sociale-il-ponte"
    assert not org.is_verified
    event = AuditEvent.objects.for_chain(chain_for(org)).get()
    assert event.action == "organization.created" and event.actor == personas.oscar


def test_it_rejects_an_invalid_tax_code_and_saves_nothing(personas):
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_organization(by=personas.oscar, **_fields(tax_code="00166130139"))
    assert "tax_code" in exc.value.message_dict
    assert Organization.objects.count() == before
    assert not Membership.objects.filter(user=personas.oscar).exists()


def test_it_refuses_a_duplicate_tax_code_and_points_to_the_existing_body(personas):
    with pytest.raises(ValidationError) as exc:
        services.create_organization(by=personas.oscar, **_fields(tax_code="05260180137"))
    error = exc.value.error_dict["tax_code"][0]
    assert error.code == "tax_code_taken"
    assert error.params["slug"] == personas.consortium.slug


def test_it_normalises_spaces_and_case_in_codes(personas):
    org = services.create_organization(
        by=personas.oscar, **_fields(tax_code=" 001 661 301 38 ", vat_number="IT00166130138")
    )
    assert org.tax_code == "00166130138"
    assert org.vat_number == "00166130138"


def test_it_lets_an_ambito_have_no_tax_code_but_requires_its_lead_municipality(personas):
    fields = _fields(
        name="Ambito di Merate",
        kind=Organization.Kind.PUBLIC_BODY,
        public_body_type=Organization.PublicBodyType.AMBITO,
        legal_form=Organization.LegalForm.PUBLIC_ENTITY,
        tax_code="",
    )
    with pytest.raises(ValidationError) as exc:
        services.create_organization(by=personas.alice, **fields)
    assert "lead_municipality" in exc.value.message_dict
    fields["lead_municipality"] = find_municipality("Merate (LC)")
    org = services.create_organization(by=personas.alice, **fields)
    assert org.tax_code is None
    # A second ambito without tax code does not clash with the first.
    fields["name"] = "Ambito di Bellano"
    assert services.create_organization(by=personas.alice, **fields).tax_code is None


def test_it_requires_a_tax_code_from_anyone_but_an_ambito(personas):
    with pytest.raises(ValidationError) as exc:
        services.create_organization(by=personas.oscar, **_fields(tax_code=""))
    assert "tax_code" in exc.value.message_dict


def test_it_withdraws_verification_when_the_identity_changes(personas):
    comune = personas.comune
    services.update_organization(comune, by=personas.alice, address="Piazza Diaz 1")
    comune.refresh_from_db()
    assert comune.is_verified and comune.can_act_as_public_body
    services.update_organization(comune, by=personas.alice, name="Città di Lecco")
    comune.refresh_from_db()
    assert not comune.is_verified and not comune.can_act_as_public_body


def test_only_staff_verify_organisations(personas):
    with pytest.raises(PermissionDenied):
        services.verify_organization(personas.consortium, by=personas.tom)
    org = services.verify_organization(personas.consortium, by=personas.sam)
    assert org.is_verified and org.verified_by == personas.sam


def test_an_unverified_public_body_cannot_act_as_one(personas):
    org = make_org(
        "Comune di Merate",
        by=personas.oscar,
        kind=Organization.Kind.PUBLIC_BODY,
        tax_code="00166130138",
        municipality="Merate (LC)",
    )
    assert not org.can_act_as_public_body
    assert not personas.foundation.can_act_as_public_body  # verified, but not a public body


def test_it_invites_by_email_after_commit_and_the_invitee_joins(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            personas.consortium, by=personas.tom, email="New@Coop.it"
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@coop.it"]
    assert "Consorzio Lario" in message.subject
    assert f"/invito/{invitation.token}/" in message.body
    assert invitation.token not in Invitation.objects.get().token_hash  # only the hash is stored

    newcomer = make_user("new@coop.it")
    membership = services.accept_invitation(invitation.token, user=newcomer)
    assert membership.organization == personas.consortium and membership.role == "MEMBER"


def test_an_invitation_works_once(personas):
    invitation = services.invite_member(personas.consortium, by=personas.tom, email="x@coop.it")
    user = make_user("x@coop.it")
    services.accept_invitation(invitation.token, user=user)
    with pytest.raises(ValidationError) as exc:
        services.accept_invitation(invitation.token, user=user)
    assert exc.value.code == "used"


def test_an_expired_invitation_is_refused(personas):
    invitation = services.invite_member(personas.consortium, by=personas.tom, email="x@coop.it")
    user = make_user("x@coop.it")
    later = timezone.now() + timedelta(days=15)
    with time_machine.travel(later), pytest.raises(ValidationError) as exc:
        services.accept_invitation(invitation.token, user=user)
    assert exc.value.code == "expired"
    assert not Membership.objects.filter(user=user).exists()


def test_an_invitation_is_for_the_address_it_was_sent_to(personas):
    invitation = services.invite_member(personas.consortium, by=personas.tom, email="x@coop.it")
    with pytest.raises(ValidationError) as exc:
        services.accept_invitation(invitation.token, user=personas.oscar)
    assert exc.value.code == "wrong_account"


def test_a_new_invitation_replaces_the_pending_one(personas):
    first = services.invite_member(personas.consortium, by=personas.tom, email="x@coop.it")
    services.invite_member(personas.consortium, by=personas.tom, email="x@coop.it")
    with pytest.raises(ValidationError) as exc:
        services.find_invitation(first.token)
    assert exc.value.code == "revoked"


def test_a_wrong_token_is_refused(personas):
    with pytest.raises(ValidationError) as exc:
        services.find_invitation("not-a-token")
    assert exc.value.code == "invalid"


def test_it_does_not_invite_an_existing_member(personas):
    with pytest.raises(ValidationError):
        services.invite_member(personas.coop, by=personas.tom, email="PAT@trama.test")


def test_an_organisation_keeps_at_least_one_admin(personas):
    admin = Membership.objects.get(organization=personas.coop, user=personas.tom)
    with pytest.raises(ValidationError):
        services.remove_member(admin, by=personas.tom)
    with pytest.raises(ValidationError):
        services.change_member_role(admin, by=personas.tom, role="MEMBER")
    pat = Membership.objects.get(organization=personas.coop, user=personas.pat)
    services.change_member_role(pat, by=personas.tom, role="ADMIN")
    services.change_member_role(admin, by=personas.tom, role="MEMBER")
    assert Membership.objects.get(pk=admin.pk).role == "MEMBER"


def test_staff_approve_a_claim_and_the_claimant_becomes_admin(
    personas, django_capture_on_commit_callbacks
):
    claim = services.claim_organization(
        personas.comune, by=personas.oscar, message="Sono il dirigente dei servizi sociali."
    )
    with pytest.raises(ValidationError):  # one pending request at a time
        services.claim_organization(personas.comune, by=personas.oscar, message="Ancora io.")
    with pytest.raises(PermissionDenied):
        services.decide_claim(claim, by=personas.alice, approve=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_claim(claim, by=personas.sam, approve=True)
    assert OrganizationClaim.objects.get(pk=claim.pk).status == "APPROVED"
    assert mail.outbox[0].to == ["oscar@trama.test"]
    assert "Ora amministri Comune di Lecco" in mail.outbox[0].subject
    assert Membership.objects.get(organization=personas.comune, user=personas.oscar).is_admin


def test_every_organisation_act_lands_in_one_valid_chain(personas):
    org = personas.consortium
    invitation = services.invite_member(org, by=personas.tom, email="x@coop.it")
    services.revoke_invitation(invitation, by=personas.tom)
    services.set_require_2fa(org, by=personas.tom, required=True)
    actions = list(AuditEvent.objects.for_chain(chain_for(org)).values_list("action", flat=True))
    assert actions == [
        "organization.created",
        "invitation.sent",
        "invitation.revoked",
        "organization.require_2fa",
    ]
    assert verify_chain(chain_for(org)).ok
