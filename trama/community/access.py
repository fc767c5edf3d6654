"""Who is who in the community: its members, its moderators and each topic's facilitators.

Every page, endpoint and later part of the community (discussions, events) asks these
questions here, so they are answered the same way everywhere.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from .models import Facilitator, Member, Moderator, Topic, is_active_member

__all__ = ["access_member", "can_facilitate", "is_member", "is_moderator", "member_of"]


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_member(user) -> bool:
    """Joined the community and not left it."""
    return is_active_member(user)


def member_of(user) -> Member | None:
    """The user's active membership of the community, or None."""
    if not _signed_in(user):
        return None
    return Member.objects.filter(user=user, left_at__isnull=True).first()


def is_moderator(user) -> bool:
    """Named by the staff to moderate the whole community, and still one of its members."""
    return (
        _signed_in(user) and Moderator.objects.filter(user=user).exists() and is_active_member(user)
    )


def can_facilitate(user, topic: Topic) -> bool:
    """Pins, edits titles, hides and moves threads of `topic`: its facilitators, and the
    community's moderators (who may do so in every topic)."""
    if not _signed_in(user) or not is_active_member(user):
        return False
    return (
        Facilitator.objects.filter(user=user, topic=topic).exists()
        or Moderator.objects.filter(user=user).exists()
    )


def access_member(user, pk) -> Member:
    """A member's profile, for whoever may read it; a 404 for anyone else, as if it did not
    exist (a members-only profile for visitors; any profile of someone who left)."""
    member = Member.objects.visible_to(user).for_directory().filter(pk=pk).first()
    if member is None:
        raise Http404(_("No such member."))
    return member
