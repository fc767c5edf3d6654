"""Joining, describing and leaving the community; naming its moderators and facilitators.

Every interface (pages, the API, the admin, the demo) calls these functions, which check
first, then change, then append to the audit trail. Audit events record what changed, never
the profile's text: a person who leaves must not stay readable in an append-only trail.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.organizations.access import member_org_ids
from trama.organizations.models import Organization
from trama.territories.models import Region

from .models import CONSENT_VERSION, Facilitator, Member, Moderator, Topic

# The community-wide acts of the platform staff (topics, moderators, facilitators).
COMMUNITY_CHAIN = "community:1"

LIMITS = {"display_name": 120, "role": 120, "bio": 1000}
PROFILE_FIELDS = (
    "display_name",
    "organizations",
    "role",
    "region",
    "topics",
    "bio",
    "visibility",
    "weekly_digest",
)


def _refuse(field: str, message, code: str) -> ValidationError:
    """A refusal naming the field it is about, with its stable code (pages and API)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def _text(field: str, value, *, required=False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise _refuse(field, _("The text can't contain NUL characters."), "invalid_text")
    if required and not value:
        raise _refuse(field, _("This field is required."), "required")
    if len(value) > LIMITS[field]:
        raise _refuse(
            field,
            _("At most %(limit)d characters (this text has %(length)d).")
            % {"limit": LIMITS[field], "length": len(value)},
            "too_long",
        )
    return value


def check_profile(
    user,
    *,
    display_name,
    organizations=(),
    role="",
    region=None,
    topics=(),
    bio="",
    visibility=Member.Visibility.MEMBERS,
    weekly_digest=False,
) -> dict:
    """The profile as it will be stored, or a refusal naming the field that is wrong."""
    organizations = list(organizations or [])
    topics = list(topics or [])
    if any(not isinstance(o, Organization) for o in organizations):
        raise _refuse("organizations", _("Choose organisations on Trama."), "invalid_choice")
    if any(not isinstance(t, Topic) for t in topics):
        raise _refuse("topics", _("Choose topics of the community."), "invalid_choice")
    if region is not None and not isinstance(region, Region):
        raise _refuse("region", _("Choose an Italian region."), "invalid_choice")
    if visibility not in Member.Visibility.values:
        raise _refuse(
            "visibility",
            _("Choose who sees your profile: members only, or everyone."),
            "invalid_choice",
        )
    mine = member_org_ids(user)
    others = sorted(o.name for o in organizations if o.pk not in mine)
    if others:
        raise _refuse(
            "organizations",
            _("You can name only organisations you are a member of on Trama: %(names)s.")
            % {"names": ", ".join(others)},
            "not_member_of_organization",
        )
    return {
        "display_name": _text("display_name", display_name, required=True),
        "role": _text("role", role),
        "bio": _text("bio", bio),
        "region": region,
        "visibility": visibility,
        "weekly_digest": bool(weekly_digest),
        "organizations": organizations,
        "topics": topics,
    }


def _audit_data(profile: dict) -> dict:
    return {
        "visibility": profile["visibility"],
        "organizations": sorted(o.pk for o in profile["organizations"]),
        "topics": sorted(t.pk for t in profile["topics"]),
        "region": profile["region"].istat_code if profile["region"] else "",
    }


def join_community(user, *, consent: bool, **profile) -> Member:
    """The person joins the community with the profile they describe and their consent."""
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in to join the community."))
    if consent is not True:
        raise _refuse(
            "consent",
            _("To join, agree to how the community uses your profile."),
            "consent_required",
        )
    cleaned = check_profile(user, **profile)
    organizations, topics = cleaned.pop("organizations"), cleaned.pop("topics")
    now = timezone.now()
    with transaction.atomic():
        # One person, one membership: the account row is the lock two joins queue on.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Member.objects.filter(user=user).exists():
            raise _refuse(
                "display_name", _("You are already a member of the community."), "already_member"
            )
        member = Member.objects.create(
            user=user,
            consented_at=now,
            consent_version=CONSENT_VERSION,
            joined_at=now,
            updated_at=now,
            **cleaned,
        )
        member.organizations.set(organizations)
        member.topics.set(topics)
        record_event(
            chain_for(user),
            "community.joined",
            by=user,
            target=member,
            data=_audit_data(cleaned | {"organizations": organizations, "topics": topics})
            | {"consent_version": CONSENT_VERSION},
        )
    return member


def _check_own(member: Member, by) -> None:
    if not _signed_in(by) or member.user_id != by.pk:
        raise PermissionDenied(_("Only the member can change or leave their own membership."))
    if not member.is_active:
        raise _refuse("display_name", _("You are no longer a member."), "not_a_member")


def update_membership(member: Member, *, by, **profile) -> Member:
    """The member changes their profile: what it says and who sees it."""
    _check_own(member, by)
    cleaned = check_profile(by, **profile)
    organizations, topics = cleaned.pop("organizations"), cleaned.pop("topics")
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        _check_own(member, by)
        for field, value in cleaned.items():
            setattr(member, field, value)
        member.updated_at = timezone.now()
        member.save(update_fields=[*cleaned, "updated_at"])
        member.organizations.set(organizations)
        member.topics.set(topics)
        record_event(
            chain_for(by),
            "community.profile_updated",
            by=by,
            target=member,
            data=_audit_data(cleaned | {"organizations": organizations, "topics": topics}),
        )
    return member


def leave_community(member: Member, *, by) -> Member:
    """The member leaves: the profile is emptied and hidden, the account detached; what they
    contributed stays, under the pseudonym "Member <number>"."""
    _check_own(member, by)
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        _check_own(member, by)
        member.user = None
        member.display_name = member.role = member.bio = ""
        member.region = None
        member.visibility = Member.Visibility.MEMBERS
        member.weekly_digest = False
        member.left_at = member.updated_at = timezone.now()
        member.save(
            update_fields=[
                "user",
                "display_name",
                "role",
                "bio",
                "region",
                "visibility",
                "weekly_digest",
                "left_at",
                "updated_at",
            ]
        )
        member.organizations.clear()
        member.topics.clear()
        Moderator.objects.filter(user=by).delete()
        Facilitator.objects.filter(user=by).delete()
        record_event(chain_for(by), "community.left", by=by, target=member)
    return member


# --- the platform staff: topics, moderators, facilitators ----------------------------------


def _check_staff(by) -> None:
    if not (_signed_in(by) and by.is_staff):
        raise PermissionDenied(_("Only the platform staff can do this."))


def check_can_be_named(user) -> None:
    """Only a member of the community can be named its moderator or a topic's facilitator."""
    if not Member.objects.filter(user=user, left_at__isnull=True).exists():
        raise _refuse(
            "user",
            _("%(person)s has not joined the community.") % {"person": user},
            "not_a_member",
        )


def save_topic(topic: Topic, *, by) -> Topic:
    """The staff create or change a topic of the community."""
    _check_staff(by)
    name = (topic.name or "").strip()
    if not name:
        raise _refuse("name", _("Give the topic a name."), "required")
    created = topic.pk is None
    with transaction.atomic():
        topic.name = name
        topic.save()
        record_event(
            COMMUNITY_CHAIN,
            "community.topic_created" if created else "community.topic_updated",
            by=by,
            target=topic,
            data={"name": topic.name},
        )
    return topic


def name_moderator(user, *, by) -> Moderator:
    """The staff name a member of the community to moderate all of it."""
    _check_staff(by)
    check_can_be_named(user)
    with transaction.atomic():
        moderator, created = Moderator.objects.get_or_create(
            user=user, defaults={"named_by": by, "named_at": timezone.now()}
        )
        if created:
            record_event(
                COMMUNITY_CHAIN,
                "community.moderator_named",
                by=by,
                target=moderator,
                data={"user": user.pk},
            )
    return moderator


def remove_moderator(moderator: Moderator, *, by) -> None:
    _check_staff(by)
    with transaction.atomic():
        user_id = moderator.user_id
        moderator.delete()
        record_event(COMMUNITY_CHAIN, "community.moderator_removed", by=by, data={"user": user_id})


def name_facilitator(user, topic: Topic, *, by) -> Facilitator:
    """The staff name a member of the community to look after one topic."""
    _check_staff(by)
    check_can_be_named(user)
    with transaction.atomic():
        facilitator, created = Facilitator.objects.get_or_create(
            user=user, topic=topic, defaults={"named_by": by, "named_at": timezone.now()}
        )
        if created:
            record_event(
                COMMUNITY_CHAIN,
                "community.facilitator_named",
                by=by,
                target=facilitator,
                data={"user": user.pk, "topic": topic.pk},
            )
    return facilitator


def remove_facilitator(facilitator: Facilitator, *, by) -> None:
    _check_staff(by)
    with transaction.atomic():
        data = {"user": facilitator.user_id, "topic": facilitator.topic_id}
        facilitator.delete()
        record_event(COMMUNITY_CHAIN, "community.facilitator_removed", by=by, data=data)
