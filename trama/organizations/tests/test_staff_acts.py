"""Platform staff act on organisations through the audited services, and the bodies are told."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.conftest import make_user
from trama.organizations import services
from trama.organizations.models import Membership

pytestmark = pytest.mark.django_db


def _events(org, action):
    return AuditEvent.objects.filter(chain=chain_for(org), action=action)


def test_staff_add_a_member_and_the_administrators_read_it_in_plain_text(
    personas, django_capture_on_commit_callbacks
):
    org = services.update_organization(
        personas.consortium, by=personas.tom, name='Consorzio "Lario" & C. l\'Arca'
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.add_member_by_staff(org, by=personas.sam, user=personas.oscar)
    assert membership.role == "MEMBER"
    event = _events(org, "membership.added_by_staff").get()
    assert event.actor == personas.sam and event.data["email"] == "oscar@trama.test"
    # Told: the administrator only (not the staff, not the person added).
    [message] = mail.outbox
    assert message.to == ["tom@trama.test"]
    assert 'Consorzio "Lario" & C. l\'Arca' in message.subject
    assert 'Consorzio "Lario" & C. l\'Arca' in message.body
    assert "&amp;" not in message.body and "&quot;" not in message.body
    assert "Sam Staff" in message.body and "oscar@trama.test" in message.body
    assert settings.SITE_URL + org.get_absolute_url() in message.body


def test_only_staff_add_members_directly_and_only_once(personas):
    with pytest.raises(PermissionDenied):
        services.add_member_by_staff(personas.consortium, by=personas.tom, user=personas.oscar)
    with pytest.raises(ValidationError) as exc:
        services.add_member_by_staff(personas.coop, by=personas.sam, user=personas.pat)
    assert exc.value.code == "already_member"
    gone = make_user("gone@trama.test")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        services.add_member_by_staff(personas.coop, by=personas.sam, user=gone)
    with pytest.raises(ValidationError):
        services.add_member_by_staff(
            personas.coop, by=personas.sam, user=personas.oscar, role="OWNER"
        )
    assert not Membership.objects.filter(user__in=[personas.oscar, gone]).exists()


def test_staff_change_a_role_and_remove_a_member_audited_and_told(
    personas, django_capture_on_commit_callbacks
):
    pat = Membership.objects.get(organization=personas.coop, user=personas.pat)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_member_role(pat, by=personas.sam, role="ADMIN")
    assert _events(personas.coop, "membership.role_changed").get().actor == personas.sam
    assert [m.to for m in mail.outbox] == [["tom@trama.test"]]
    assert "pat@trama.test" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_member(pat, by=personas.sam)
    assert not Membership.objects.filter(pk=pat.pk).exists()
    assert _events(personas.coop, "membership.removed").get().actor == personas.sam
    assert [m.to for m in mail.outbox] == [["tom@trama.test"]]
    assert "pat@trama.test" in mail.outbox[0].body


def test_the_bodys_own_acts_need_no_notice_and_outsiders_can_do_none(
    personas, django_capture_on_commit_callbacks
):
    pat = Membership.objects.get(organization=personas.coop, user=personas.pat)
    with pytest.raises(PermissionDenied):
        services.change_member_role(pat, by=personas.oscar, role="ADMIN")
    with pytest.raises(PermissionDenied):
        services.remove_member(pat, by=personas.alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_member_role(pat, by=personas.tom, role="ADMIN")
        services.change_member_role(pat, by=personas.tom, role="MEMBER")
        services.remove_member(pat, by=personas.pat)  # leaving
    assert mail.outbox == []
    assert _events(personas.coop, "membership.removed").get().actor == personas.pat


def test_verification_and_its_withdrawal_are_told_to_the_administrators(
    personas, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_organization(personas.consortium, by=personas.sam)
        services.verify_organization(personas.consortium, by=personas.sam, verified=False)
    assert [m.to for m in mail.outbox] == [["tom@trama.test"], ["tom@trama.test"]]
    assert "verified the organisation" in mail.outbox[0].body or "verificato" in (
        mail.outbox[0].body
    )
    assert all(
        settings.SITE_URL + personas.consortium.get_absolute_url() in m.body for m in mail.outbox
    )
    assert _events(personas.consortium, "organization.unverified").get().actor == personas.sam


def test_staff_do_not_decide_their_own_claim_and_the_administrators_hear_of_the_others(
    personas, django_capture_on_commit_callbacks
):
    own = services.claim_organization(personas.coop, by=personas.sam, message="Sono io.")
    with pytest.raises(PermissionDenied):
        services.decide_claim(own, by=personas.sam, approve=True)
    assert not Membership.objects.filter(organization=personas.coop, user=personas.sam).exists()

    claim = services.claim_organization(personas.coop, by=personas.oscar, message="Presidente.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_claim(claim, by=personas.sam, approve=True)
    assert sorted(m.to[0] for m in mail.outbox) == ["oscar@trama.test", "tom@trama.test"]
    notice = next(m for m in mail.outbox if m.to == ["tom@trama.test"])
    assert "oscar@trama.test" in notice.body
    assert settings.SITE_URL + personas.coop.get_absolute_url() in notice.body


def test_staff_withdraw_an_invitation_and_the_administrators_are_told(
    personas, django_capture_on_commit_callbacks
):
    invitation = services.invite_member(personas.coop, by=personas.tom, email="x@coop.it")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_invitation(invitation, by=personas.sam)
    assert _events(personas.coop, "invitation.revoked").get().actor == personas.sam
    assert [m.to for m in mail.outbox] == [["tom@trama.test"]]
    assert "x@coop.it" in mail.outbox[0].body


def test_staff_who_made_themselves_administrators_are_still_heard_of(
    personas, django_capture_on_commit_callbacks
):
    services.add_member_by_staff(personas.coop, by=personas.sam, user=personas.sam, role="ADMIN")
    pat = Membership.objects.get(organization=personas.coop, user=personas.pat)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_member(pat, by=personas.sam)
    assert [m.to for m in mail.outbox] == [["tom@trama.test"]]


def test_the_trail_names_the_person_and_the_role_in_words(personas, client):
    pat = Membership.objects.get(organization=personas.coop, user=personas.pat)
    services.change_member_role(pat, by=personas.sam, role="ADMIN")
    client.force_login(personas.tom)
    page = client.get(f"/enti/{personas.coop.slug}/registro/").content.decode()
    assert "ruolo: Amministratore" in page and "e-mail: pat@trama.test" in page
    assert "role: ADMIN" not in page
