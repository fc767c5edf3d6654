"""The Django admin works for platform staff and has no path around the audited services."""

import pytest
from django.core import mail
from django.urls import reverse

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.organizations import services
from trama.organizations.models import Invitation, Membership, Organization, OrganizationClaim

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas, client_for):
    """Sam with every permission, as the demo's platform staff has."""
    personas.sam.is_superuser = True
    personas.sam.save(update_fields=["is_superuser"])
    return client_for(personas.sam)


def _admin_url(label, view, *args):
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


@pytest.fixture
def rows(personas):
    """One row of every model whose admin pages are tested."""
    invitation = services.invite_member(personas.coop, by=personas.tom, email="x@coop.it")
    claim = services.claim_organization(personas.coop, by=personas.oscar, message="Presidente.")
    return {
        "organizations.organization": personas.coop,
        "organizations.membership": Membership.objects.get(user=personas.pat),
        "organizations.invitation": invitation,
        "organizations.organizationclaim": claim,
    }


def test_every_admin_page_that_was_changed_loads_with_its_search(staff, rows):
    for label, obj in rows.items():
        changelist = staff.get(_admin_url(label, "changelist"), {"q": "coop"})
        assert changelist.status_code == 200, label
        assert staff.get(_admin_url(label, "changelist")).status_code == 200, label
        assert staff.get(_admin_url(label, "change", obj.pk)).status_code == 200, label


def test_the_organisation_form_has_no_membership_back_door(
    staff, personas, django_capture_on_commit_callbacks
):
    coop = personas.coop
    tom, pat = (
        Membership.objects.get(organization=coop, user=u) for u in (personas.tom, personas.pat)
    )
    data = {
        "name": "Cooperativa Arcobaleno & Soci",
        "slug": coop.slug,  # a field of the old form; the new one has it read-only
        "kind": coop.kind,
        "public_body_type": "",
        "legal_form": coop.legal_form,
        "tax_code": coop.tax_code,
        "vat_number": "",
        "runts_section": "",
        "runts_number": "",
        "pec": "",
        "email": "",
        "website": "",
        "legal_representative": "",
        "address": "",
        "municipality": coop.municipality_id,
        "lead_municipality": "",
        "description": "",
        # The old inline: Sam adds himself as administrator and promotes Pat.
        "memberships-TOTAL_FORMS": "3",
        "memberships-INITIAL_FORMS": "2",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": tom.pk,
        "memberships-0-organization": coop.pk,
        "memberships-0-user": personas.tom.pk,
        "memberships-0-role": "ADMIN",
        "memberships-1-id": pat.pk,
        "memberships-1-organization": coop.pk,
        "memberships-1-user": personas.pat.pk,
        "memberships-1-role": "ADMIN",
        "memberships-1-DELETE": "",
        "memberships-2-organization": coop.pk,
        "memberships-2-user": personas.sam.pk,
        "memberships-2-role": "ADMIN",
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(_admin_url("organizations.organization", "change", coop.pk), data)
    assert response.status_code == 302
    assert not Membership.objects.filter(organization=coop, user=personas.sam).exists()
    assert Membership.objects.get(pk=pat.pk).role == "MEMBER"
    # The profile change itself went through the service: audited, and Tom was told.
    assert Organization.objects.get(pk=coop.pk).name == "Cooperativa Arcobaleno & Soci"
    event = AuditEvent.objects.filter(chain=chain_for(coop), action="organization.updated").last()
    assert event.actor == personas.sam and event.data["fields"] == ["name"]
    assert [m.to for m in mail.outbox] == [["tom@trama.test"]]
    assert "Cooperativa Arcobaleno & Soci" in mail.outbox[0].body


def test_the_organisation_form_applies_the_registration_rules(staff, personas):
    coop = personas.coop
    response = staff.post(
        _admin_url("organizations.organization", "change", coop.pk),
        {
            "name": coop.name,
            "kind": "PUBLIC_BODY",  # a public body must say which type it is
            "legal_form": coop.legal_form,
            "tax_code": coop.tax_code,
            "municipality": coop.municipality_id,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "public_body_type" in response.context["adminform"].form.errors
    assert Organization.objects.get(pk=coop.pk).kind == "THIRD_SECTOR"


def test_verification_is_an_action_not_a_field(staff, personas):
    coop = personas.coop
    response = staff.post(
        _admin_url("organizations.organization", "changelist"),
        {"action": "mark_verified", "_selected_action": [coop.pk]},
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=coop.pk).verified_at is not None
    assert AuditEvent.objects.filter(chain=chain_for(coop), action="organization.verified").exists()
    assert staff.get(_admin_url("organizations.organization", "add")).status_code == 403
    assert staff.get(_admin_url("organizations.organization", "delete", coop.pk)).status_code == 403


def test_members_are_added_changed_and_removed_only_through_the_services(
    staff, personas, django_capture_on_commit_callbacks
):
    coop = personas.coop
    pat = Membership.objects.get(organization=coop, user=personas.pat)
    # The change and delete pages refuse; the row is untouched.
    change = _admin_url("organizations.membership", "change", pat.pk)
    assert staff.post(change, {"role": "ADMIN"}).status_code == 403
    assert staff.post(_admin_url("organizations.membership", "delete", pat.pk)).status_code == 403
    assert Membership.objects.get(pk=pat.pk).role == "MEMBER"
    # Adding, with the organisation prefilled from its page.
    add = _admin_url("organizations.membership", "add")
    assert staff.get(add, {"organization": coop.pk}).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            add, {"organization": coop.pk, "user": personas.oscar.pk, "role": "MEMBER"}
        )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        chain=chain_for(coop), action="membership.added_by_staff", actor=personas.sam
    ).exists()
    assert [m.to for m in mail.outbox] == [["tom@trama.test"]]
    # Twice is refused by the form, not by an error page.
    again = staff.post(add, {"organization": coop.pk, "user": personas.oscar.pk, "role": "ADMIN"})
    assert again.status_code == 200
    assert Membership.objects.get(organization=coop, user=personas.oscar).role == "MEMBER"
    # Roles and removals are actions calling the services, on the list the
    # organisation's page links to.
    changelist = _admin_url("organizations.membership", "changelist")
    page = staff.get(_admin_url("organizations.organization", "change", coop.pk)).content.decode()
    assert (
        f"{changelist}?organization={coop.pk}" in page and f"{add}?organization={coop.pk}" in page
    )
    listing = staff.get(changelist, {"organization": coop.pk}).content.decode()
    assert "Pat Neri" in listing and "Fiona" not in listing
    staff.post(changelist, {"action": "make_admin", "_selected_action": [pat.pk]})
    assert Membership.objects.get(pk=pat.pk).role == "ADMIN"
    staff.post(changelist, {"action": "remove", "_selected_action": [pat.pk]})
    assert not Membership.objects.filter(pk=pat.pk).exists()
    actions = AuditEvent.objects.filter(chain=chain_for(coop), actor=personas.sam)
    assert {"membership.role_changed", "membership.removed"} <= set(
        actions.values_list("action", flat=True)
    )
    # The last administrator stays, with a message instead of an error page.
    tom = Membership.objects.get(organization=coop, user=personas.tom)
    response = staff.post(
        changelist, {"action": "remove", "_selected_action": [tom.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Membership.objects.filter(pk=tom.pk).exists()


def test_claims_and_invitations_change_only_through_their_actions(staff, personas):
    claim = services.claim_organization(personas.coop, by=personas.oscar, message="Presidente.")
    own = services.claim_organization(personas.consortium, by=personas.sam, message="Io.")
    claims = _admin_url("organizations.organizationclaim", "changelist")
    assert (
        staff.post(
            _admin_url("organizations.organizationclaim", "change", claim.pk),
            {"status": "APPROVED"},
        ).status_code
        == 403
    )
    response = staff.post(
        claims, {"action": "approve", "_selected_action": [claim.pk, own.pk]}, follow=True
    )
    assert response.status_code == 200
    assert OrganizationClaim.objects.get(pk=claim.pk).status == "APPROVED"
    assert OrganizationClaim.objects.get(pk=own.pk).status == "PENDING"  # not one's own
    assert not Membership.objects.filter(user=personas.sam).exists()

    invitation = services.invite_member(personas.coop, by=personas.tom, email="x@coop.it")
    assert staff.get(_admin_url("organizations.invitation", "add")).status_code == 403
    assert (
        staff.post(
            _admin_url("organizations.invitation", "change", invitation.pk),
            {"email": "sam@trama.test"},
        ).status_code
        == 403
    )
    staff.post(
        _admin_url("organizations.invitation", "changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk]},
    )
    invitation = Invitation.objects.get(pk=invitation.pk)
    assert invitation.email == "x@coop.it" and invitation.revoked_at is not None
