import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.community import services
from trama.community.access import can_facilitate, is_member, is_moderator, member_of
from trama.community.models import CONSENT_VERSION, Member
from trama.lib.refusals import refusal_code

from .conftest import join

pytestmark = pytest.mark.django_db


def _code(exc_info):
    return refusal_code(exc_info.value)


def test_it_joins_with_a_profile_and_records_the_consent(personas, topics, lombardia):
    member = join(
        personas.alice,
        name="Alice Rossi",
        organizations=[personas.comune],
        role="Assistente sociale",
        region=lombardia,
        topics=[topics["avvisi"]],
        bio="Lavoro agli avvisi di co-progettazione.",
    )
    assert is_member(personas.alice) and member_of(personas.alice) == member
    assert member.consent_version == CONSENT_VERSION and member.consented_at is not None
    assert member.visibility == Member.Visibility.MEMBERS  # members only by default
    assert list(member.organizations.all()) == [personas.comune]
    event = AuditEvent.objects.for_chain(chain_for(personas.alice)).last()
    assert event.action == "community.joined"
    # The trail records what changed, never the profile's text.
    assert "Alice" not in str(event.data) and "avvisi" not in str(event.data)


@pytest.mark.parametrize(
    ("profile", "field", "code"),
    [
        ({"consent": False}, "consent", "consent_required"),
        ({"display_name": "   "}, "display_name", "required"),
        ({"display_name": "x" * 121}, "display_name", "too_long"),
        ({"bio": "a\x00b"}, "bio", "invalid_text"),
        ({"visibility": "EVERYONE"}, "visibility", "invalid_choice"),
    ],
)
def test_it_refuses_a_bad_profile_with_a_code_and_saves_nothing(personas, profile, field, code):
    data = {"consent": True, "display_name": "Alice"} | profile
    with pytest.raises(ValidationError) as exc:
        services.join_community(personas.alice, **data)
    assert _code(exc) == code and field in exc.value.error_dict
    assert not Member.objects.exists()


def test_it_refuses_an_organisation_the_person_is_not_a_member_of(personas):
    with pytest.raises(ValidationError) as exc:
        join(personas.oscar, organizations=[personas.comune])
    assert _code(exc) == "not_member_of_organization"
    assert "Comune di Lecco" in exc.value.messages[0]
    assert not Member.objects.exists()


def test_it_joins_once(personas):
    join(personas.alice)
    with pytest.raises(ValidationError) as exc:
        join(personas.alice)
    assert _code(exc) == "already_member"
    assert Member.objects.count() == 1


def test_an_anonymous_visitor_cannot_join(personas):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        join(AnonymousUser(), name="Qualcuno")


def test_it_updates_only_ones_own_profile(personas, topics):
    member = join(personas.tom, organizations=[personas.consortium])
    services.update_membership(
        member,
        by=personas.tom,
        display_name="Tom Verdi",
        organizations=[personas.coop],
        topics=[topics["volontariato"]],
        visibility="PUBLIC",
    )
    member.refresh_from_db()
    assert member.display_name == "Tom Verdi" and member.visibility == "PUBLIC"
    assert list(member.organizations.all()) == [personas.coop]
    assert list(member.topics.all()) == [topics["volontariato"]]
    with pytest.raises(PermissionDenied):
        services.update_membership(member, by=personas.alice, display_name="Hacked")
    member.refresh_from_db()
    assert member.display_name == "Tom Verdi"


def test_leaving_hides_the_profile_and_keeps_a_pseudonym(personas, topics):
    member = join(personas.tom, name="Tom Verdi", bio="Bio", topics=[topics["avvisi"]])
    services.leave_community(member, by=personas.tom)
    member.refresh_from_db()
    assert member.user is None and member.left_at is not None
    assert member.display_name == "" and member.bio == "" and not member.topics.exists()
    with translation.override("en"):
        assert member.public_name == f"Member {member.pk}"
    assert not is_member(personas.tom)
    assert not Member.objects.visible_to(personas.alice).filter(pk=member.pk).exists()
    # A second leave (a double click) is refused, not applied twice.
    with pytest.raises(PermissionDenied):
        services.leave_community(member, by=personas.tom)
    # Joining again makes a new profile; the old contributions keep the pseudonym.
    again = join(personas.tom, name="Tom")
    assert again.pk != member.pk and member.public_name == member.pseudonym


def test_staff_name_moderators_and_facilitators_among_members(personas, topics):
    with pytest.raises(ValidationError) as exc:
        services.name_moderator(personas.eve, by=personas.sam)
    assert _code(exc) == "not_a_member"
    join(personas.eve)
    join(personas.pat)
    with pytest.raises(PermissionDenied):
        services.name_moderator(personas.eve, by=personas.alice)
    services.name_moderator(personas.eve, by=personas.sam)
    services.name_facilitator(personas.pat, topics["avvisi"], by=personas.sam)
    assert is_moderator(personas.eve) and not is_moderator(personas.pat)
    assert can_facilitate(personas.pat, topics["avvisi"])
    assert not can_facilitate(personas.pat, topics["volontariato"])
    assert can_facilitate(personas.eve, topics["volontariato"])  # a moderator, everywhere
    assert not can_facilitate(personas.oscar, topics["avvisi"])
    # Leaving ends the roles.
    services.leave_community(member_of(personas.pat), by=personas.pat)
    assert not can_facilitate(personas.pat, topics["avvisi"])
    actions = set(
        AuditEvent.objects.for_chain(services.COMMUNITY_CHAIN).values_list("action", flat=True)
    )
    assert {"community.moderator_named", "community.facilitator_named"} <= actions
