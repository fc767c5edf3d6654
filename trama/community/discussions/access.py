"""Who reads and who acts in the discussions, asked in one place for pages and the API.

Discussions are for the community's members. A post held for review is seen by its author
and by those who look after its topic; a hidden thread only by them.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from trama.community.access import can_facilitate, is_moderator, member_of
from trama.community.models import Facilitator, Member, Moderator

from .models import Category, Post, State, Thread


@dataclass(frozen=True)
class Reader:
    """A person reading the discussions: their membership and what they look after."""

    user: object
    member: Member | None
    moderator: bool
    facilitated: frozenset  # topic ids

    def facilitates(self, topic_id) -> bool:
        return self.moderator or topic_id in self.facilitated

    @property
    def looks_after_something(self) -> bool:
        return self.moderator or bool(self.facilitated)


def reader(user) -> Reader:
    """Everything the pages need about `user`, in at most three queries."""
    member = member_of(user)
    if member is None:
        return Reader(user, None, False, frozenset())
    moderator = Moderator.objects.filter(user=user).exists()
    facilitated = (
        frozenset()
        if moderator
        else frozenset(Facilitator.objects.filter(user=user).values_list("topic_id", flat=True))
    )
    return Reader(user, member, moderator, facilitated)


def visible_threads(who: Reader, qs=None):
    """The threads `who` may see: published ones; held ones of their own; all of those in
    the topics they look after."""
    qs = Thread.objects.all() if qs is None else qs
    if who.member is None:
        return qs.none()
    if who.moderator:
        return qs
    return qs.filter(
        Q(state=State.PUBLISHED)
        | Q(state=State.HELD, author=who.member)
        | Q(category__topic_id__in=who.facilitated)
    )


def visible_posts(who: Reader, thread: Thread, qs=None):
    """The posts of `thread` shown to `who`: hidden ones too (as a notice with the reason,
    their text only to those who look after the topic); held ones to their author and them."""
    qs = thread.posts.all() if qs is None else qs
    if who.facilitates(thread.category.topic_id):
        return qs
    return qs.filter(~Q(state=State.HELD) | Q(author=who.member))


def access_category(user, slug) -> tuple[Category, Reader]:
    category = Category.objects.select_related("topic").filter(slug=slug).first()
    if category is None:
        raise Http404(_("No such category."))
    return category, reader(user)


def access_thread(user, pk) -> tuple[Thread, Reader]:
    """A thread for a member who may see it; 404 for anyone else, as if it did not exist."""
    who = reader(user)
    thread = (
        visible_threads(who, Thread.objects.select_related("category__topic", "author"))
        .filter(pk=pk)
        .first()
    )
    if thread is None:
        raise Http404(_("No such thread."))
    return thread, who


def access_post(user, pk) -> tuple[Post, Reader]:
    who = reader(user)
    post = Post.objects.select_related("thread__category__topic", "author").filter(pk=pk).first()
    if post is None or not visible_threads(who).filter(pk=post.thread_id).exists():
        raise Http404(_("No such post."))
    if post.state == State.HELD and not (
        post.author_id == who.member.pk or who.facilitates(post.thread.category.topic_id)
    ):
        raise Http404(_("No such post."))
    return post, who


__all__ = [
    "Reader",
    "access_category",
    "access_post",
    "access_thread",
    "can_facilitate",
    "is_moderator",
    "reader",
    "visible_posts",
    "visible_threads",
]
