"""Writing in the discussions, following them, and moderating them.

Each act checks first (who, what), then changes, then records: moderators' and facilitators'
acts go to the audit trail (the thread's chain; bans to the community's), and notifications
and e-mails are queued on commit through trama.notifications.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Replace
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trama.audit.services import chain_for, record_event
from trama.community.models import Facilitator, Member, Moderator
from trama.community.services import COMMUNITY_CHAIN
from trama.lib.mail import absolute_url, compose, queue_email
from trama.notifications.models import Kind
from trama.notifications.services import notify

from . import markup
from .access import Reader, reader
from .models import Ban, Category, Delivery, DigestMark, Post, Report, State, Subscription, Thread

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 500
# New members: their first posts wait for a moderator, and their links are limited.
HELD_UNTIL_APPROVED = 2
LINKS_FOR_NEW_MEMBERS = 1
LINKS_FREE_AFTER = 3
DEFAULT_RATES = {"minute": 3, "hour": 30}
_WINDOWS = {"minute": 60, "hour": 3600}


def _refuse(field: str, message, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _text(field: str, value, limit: int, *, label_required) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise _refuse(field, _("The text can't contain NUL characters."), "invalid_text")
    if not value:
        raise _refuse(field, label_required, "required")
    if len(value) > limit:
        raise _refuse(
            field,
            _("At most %(limit)d characters (this text has %(length)d).")
            % {"limit": limit, "length": len(value)},
            "too_long",
        )
    return value


# --- writing ------------------------------------------------------------------------------


def _writer(user) -> tuple[Reader, Member]:
    who = reader(user)
    if who.member is None:
        raise PermissionDenied(_("Join the community to write in its discussions."))
    if Ban.objects.filter(member=who.member).exists():
        raise PermissionDenied(
            _("The moderators banned you from the community's discussions: you can't write.")
        )
    return who, who.member


def _check_rate(member: Member) -> None:
    """At most so many posts a minute and an hour per member (the cache counts them: Redis
    when several web processes share it)."""
    rates = getattr(settings, "DISCUSSION_POST_RATES", DEFAULT_RATES)
    now = int(timezone.now().timestamp())
    keys = {
        window: f"discussions:rate:{member.pk}:{window}:{now // _WINDOWS[window]}"
        for window in rates
    }
    counts = {}
    for window, key in keys.items():
        cache.add(key, 0, timeout=_WINDOWS[window] + 5)
        try:
            counts[window] = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=_WINDOWS[window] + 5)
            counts[window] = 1
    for window, limit in rates.items():
        if counts[window] > limit:
            raise _refuse(
                "text",
                _("You are posting too fast: wait a moment and try again."),
                "rate_limited",
            )


def _checked_text(member: Member, who: Reader, topic_id, text: str) -> tuple[str, str, bool]:
    """(source, html, held): the text as it will be stored, and whether it waits for review."""
    source = _text("text", text, TEXT_MAX, label_required=_("Write the text of your post."))
    html = markup.render(source)
    looks_after = who.facilitates(topic_id)
    published = (
        0 if looks_after else Post.objects.filter(author=member, state=State.PUBLISHED).count()
    )
    links = markup.count_links(html)
    if not looks_after and published < LINKS_FREE_AFTER and links > LINKS_FOR_NEW_MEMBERS:
        raise _refuse(
            "text",
            ngettext(
                "New members can put at most %(limit)d link in a post (this one has "
                "%(count)d): more are allowed after %(after)d approved posts.",
                "New members can put at most %(limit)d links in a post (this one has "
                "%(count)d): more are allowed after %(after)d approved posts.",
                LINKS_FOR_NEW_MEMBERS,
            )
            % {"limit": LINKS_FOR_NEW_MEMBERS, "count": links, "after": LINKS_FREE_AFTER},
            "too_many_links",
        )
    held = not looks_after and published < HELD_UNTIL_APPROVED
    return source, html, held


def _already_sent(member: Member, key: str) -> Post | None:
    if not key:
        return None
    return Post.objects.select_related("thread").filter(author=member, submission_key=key).first()


def start_thread(
    user,
    category: Category,
    *,
    title,
    text,
    is_question=False,
    attach_to=None,
    key: str = "",
) -> Thread:
    """A member opens a thread in a category (held for review if they are new)."""
    who, member = _writer(user)
    if (done := _already_sent(member, key)) is not None:
        return done.thread
    title = _text("title", title, TITLE_MAX, label_required=_("Give the thread a title."))
    source, html, held = _checked_text(member, who, category.topic_id, text)
    _check_rate(member)
    now = timezone.now()
    state = State.HELD if held else State.PUBLISHED
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
                category=category,
                title=title,
                author=member,
                is_question=bool(is_question),
                state=state,
                created_at=now,
                last_posted_at=now,
                attached_to=attach_to,
            )
            post = Post.objects.create(
                thread=thread,
                author=member,
                source=source,
                html=html,
                state=state,
                created_at=now,
                published_at=None if held else now,
                submission_key=key,
            )
            Subscription.objects.get_or_create(user=user, thread=thread)
            if held:
                _tell_moderators(post)
            else:
                _on_published(post, opening=True)
    except IntegrityError:  # the same form sent twice at once: the first one won
        if (done := _already_sent(member, key)) is not None:
            return done.thread
        raise
    return thread


def reply(user, thread: Thread, *, text, quoted: Post | None = None, key: str = "") -> Post:
    """A member replies in a thread (held for review if they are new)."""
    who, member = _writer(user)
    if (done := _already_sent(member, key)) is not None:
        return done
    if thread.locked:
        raise _refuse("text", _("This thread is locked: no new replies."), "thread_locked")
    if thread.state != State.PUBLISHED:
        raise _refuse("text", _("This thread is not open to replies yet."), "thread_not_published")
    if quoted is not None and (quoted.thread_id != thread.pk or quoted.state != State.PUBLISHED):
        raise _refuse("quoted", _("You can quote only a visible post of this thread."), "bad_quote")
    source, html, held = _checked_text(member, who, thread.category.topic_id, text)
    _check_rate(member)
    now = timezone.now()
    try:
        with transaction.atomic():
            post = Post.objects.create(
                thread=thread,
                author=member,
                source=source,
                html=html,
                quoted=quoted,
                state=State.HELD if held else State.PUBLISHED,
                created_at=now,
                published_at=None if held else now,
                submission_key=key,
            )
            if held:
                _tell_moderators(post)
            else:
                _on_published(post)
    except IntegrityError:
        if (done := _already_sent(member, key)) is not None:
            return done
        raise
    return post


def _on_published(post: Post, *, opening: bool = False) -> None:
    """What follows a post becoming visible: the thread's counters, mentions, subscribers."""
    thread = post.thread
    if not opening:
        Thread.objects.filter(pk=thread.pk).update(
            reply_count=F("reply_count") + 1, last_posted_at=post.published_at
        )
    author_user = post.author.user
    mentioned = _mentioned_users(post)
    if mentioned:
        notify(
            mentioned,
            Kind.DISCUSSION_MENTION,
            template="discussions/email/mention",
            context={"post": post, "thread": thread, "author": post.author.public_name},
            path=post.get_absolute_url(),
            by=author_user,
        )
    told = {u.pk for u in mentioned}
    followers = [
        s.user
        for s in Subscription.objects.filter(
            Q(thread=thread) | Q(category_id=thread.category_id),
            delivery=Delivery.IMMEDIATE,
            user__community_member__left_at__isnull=True,
        )
        .exclude(user_id__in=told)
        .select_related("user")
    ]
    if followers:
        notify(
            list({u.pk: u for u in followers}.values()),
            Kind.DISCUSSION_REPLY,
            template="discussions/email/new_post",
            context={"post": post, "thread": thread, "author": post.author.public_name},
            path=post.get_absolute_url(),
            by=author_user,
        )


def _mentioned_users(post: Post) -> list:
    handles = markup.mentioned_handles(post.source)
    if not handles:
        return []
    name = F("display_name")
    for char in (" ", ".", "-", "'", "’", "_"):
        name = Replace(name, Value(char), Value(""))
    return [
        m.user
        for m in Member.objects.active()
        .annotate(handle=Lower(name))
        .filter(handle__in=handles)
        .select_related("user")
    ]


def _tell_moderators(post: Post) -> None:
    users = {m.user_id: m.user for m in Moderator.objects.select_related("user")}
    for f in Facilitator.objects.filter(topic_id=post.thread.category.topic_id).select_related(
        "user"
    ):
        users.setdefault(f.user_id, f.user)
    if users:
        notify(
            list(users.values()),
            Kind.DISCUSSION_HELD,
            template="discussions/email/held",
            context={"post": post, "thread": post.thread, "author": post.author.public_name},
            path=reverse("discussions:queue"),
        )


def accept_answer(thread: Thread, post: Post, *, by) -> Thread:
    """The thread's author (or who looks after its topic) marks a reply as the answer."""
    who = reader(by)
    if who.member is None or not (
        thread.author_id == who.member.pk or who.facilitates(thread.category.topic_id)
    ):
        raise PermissionDenied(
            _("Only the author of the question or a facilitator can accept an answer.")
        )
    if not thread.is_question:
        raise _refuse("post", _("Only a question has an accepted answer."), "not_a_question")
    if (
        post.thread_id != thread.pk
        or post.state != State.PUBLISHED
        or post.pk == _opening_id(thread)
    ):
        raise _refuse("post", _("Choose a visible reply of this thread."), "bad_answer")
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(accepted_post=post)
        thread.accepted_post = post
        record_event(
            chain_for(thread), "discussions.answer_accepted", by=by, target=thread,
            data={"post": post.pk},
        )  # fmt: skip
    return thread


def _opening_id(thread: Thread):
    return thread.posts.order_by("created_at", "pk").values_list("pk", flat=True).first()


# --- following ------------------------------------------------------------------------------


def subscribe(user, *, thread=None, category=None, delivery=Delivery.IMMEDIATE) -> Subscription:
    """The member follows a thread or a category, each new post at once or in a daily digest."""
    if reader(user).member is None:
        raise PermissionDenied(_("Join the community to follow its discussions."))
    if delivery not in Delivery.values:
        raise _refuse("delivery", _("Choose how new posts reach you."), "invalid_choice")
    if (thread is None) == (category is None):
        raise _refuse("thread", _("Follow a thread or a category."), "invalid_choice")
    where = {"thread": thread} if thread is not None else {"category": category}
    subscription, _created = Subscription.objects.update_or_create(
        user=user, **where, defaults={"delivery": delivery}
    )
    return subscription


def unsubscribe(user, *, thread=None, category=None) -> None:
    where = {"thread": thread} if thread is not None else {"category": category}
    Subscription.objects.filter(user=user, **where).delete()


def send_digests(now=None) -> int:
    """One e-mail to each person who asked for a daily digest, with the posts published in
    what they follow since their last digest. The mark, locked and moved in the same
    transaction that queues the e-mail, makes a second run (or two at once) send nothing."""
    now = now or timezone.now()
    sent = 0
    user_ids = (
        Subscription.objects.filter(delivery=Delivery.DIGEST)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            DigestMark.objects.get_or_create(
                user_id=user_id, defaults={"covered_until": now - timedelta(days=1)}
            )
            mark = (
                DigestMark.objects.select_for_update().select_related("user").get(user_id=user_id)
            )
            if mark.covered_until >= now:
                continue
            user = mark.user
            follows = Subscription.objects.filter(user_id=user_id, delivery=Delivery.DIGEST)
            posts = list(
                Post.objects.filter(
                    Q(thread__in=follows.exclude(thread=None).values("thread"))
                    | Q(thread__category__in=follows.exclude(category=None).values("category")),
                    state=State.PUBLISHED,
                    thread__state=State.PUBLISHED,
                    published_at__gt=mark.covered_until,
                    published_at__lte=now,
                )
                .exclude(author__user_id=user_id)
                .select_related("thread", "author")
                .order_by("published_at", "pk")[:200]
            )
            mark.covered_until = now
            mark.save(update_fields=["covered_until"])
            member_active = Member.objects.filter(user_id=user_id, left_at=None).exists()
            if not posts or not member_active or not user.is_active or not user.email:
                continue
            _queue_digest(user, posts)
            sent += 1
    return sent


def _queue_digest(user, posts) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = ngettext(
            "%(count)s new post in the discussions you follow",
            "%(count)s new posts in the discussions you follow",
            len(posts),
        ) % {"count": len(posts)}
        items = [
            {
                "title": _("%(author)s in “%(thread)s”")
                % {"author": p.author.public_name, "thread": p.thread.title},
                "url": absolute_url(p.get_absolute_url()),
            }
            for p in posts
        ]
        email = compose(
            title=title,
            body=_("The posts of the last day in the threads and categories you follow."),
            items=items,
            url=absolute_url(reverse("discussions:categories")),
            action=_("Open the discussions"),
        )
    queue_email(email, [user.email])


# --- moderation -----------------------------------------------------------------------------


def _check_looks_after(by, topic_id) -> Reader:
    who = reader(by)
    if who.member is None or not who.facilitates(topic_id):
        raise PermissionDenied(
            _("Only the facilitators of this topic and the community's moderators can do this.")
        )
    return who


def _reason(reason) -> str:
    return _text(
        "reason", reason, REASON_MAX, label_required=_("Give a reason: its author will read it.")
    )


def _locked_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)


def report_post(post: Post, *, by, reason) -> Report:
    """A member tells the moderators that a post breaks the rules (once while it is open)."""
    _who, member = _writer(by)
    reason = _reason(reason)
    report = Report.objects.filter(post=post, reporter=member, resolved_at=None).first()
    if report is not None:
        return report
    try:
        with transaction.atomic():
            report = Report.objects.create(
                post=post, reporter=member, reason=reason, created_at=timezone.now()
            )
    except IntegrityError:
        return Report.objects.get(post=post, reporter=member, resolved_at=None)
    return report


def hide_post(post: Post, *, by, reason) -> Post:
    """Hide a post with a reason shown in its place (the opening post hides the thread)."""
    _check_looks_after(by, post.thread.category.topic_id)
    reason = _reason(reason)
    with transaction.atomic():
        thread = _locked_thread(post.thread)
        post = Post.objects.select_for_update().get(pk=post.pk)
        was = post.state
        post.state, post.hidden_reason = State.HIDDEN, reason
        post.save(update_fields=["state", "hidden_reason"])
        opening = post.pk == _opening_id(thread)
        if opening:
            thread.state = State.HIDDEN
            thread.save(update_fields=["state"])
        elif was == State.PUBLISHED:
            Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") - 1)
        if thread.accepted_post_id == post.pk:
            Thread.objects.filter(pk=thread.pk).update(accepted_post=None)
        Report.objects.filter(post=post, resolved_at=None).update(
            resolved_at=timezone.now(), resolved_by=by
        )
        record_event(
            chain_for(thread), "discussions.post_hidden", by=by, target=post,
            data={"reason": reason, "thread": thread.pk, "opening": opening},
        )  # fmt: skip
    return post


def approve_post(post: Post, *, by) -> Post:
    """A held post is approved: it becomes visible, and those who follow are told."""
    _check_looks_after(by, post.thread.category.topic_id)
    with transaction.atomic():
        thread = _locked_thread(post.thread)
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("author__user")
            .get(pk=post.pk)
        )
        if post.state != State.HELD:
            raise _refuse("post", _("This post is not awaiting review."), "not_held")
        post.state, post.published_at = State.PUBLISHED, timezone.now()
        post.save(update_fields=["state", "published_at"])
        post.thread = thread
        opening = post.pk == _opening_id(thread)
        if opening:
            thread.state = State.PUBLISHED
            thread.last_posted_at = post.published_at
            thread.save(update_fields=["state", "last_posted_at"])
        _on_published(post, opening=opening)
        record_event(
            chain_for(thread), "discussions.post_approved", by=by, target=post,
            data={"thread": thread.pk},
        )  # fmt: skip
    return post


def dismiss_report(report: Report, *, by) -> Report:
    """The moderators read a report and leave the post as it is."""
    _check_looks_after(by, report.post.thread.category.topic_id)
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, resolved_at=None).update(
            resolved_at=timezone.now(), resolved_by=by
        )
        if updated:
            record_event(
                chain_for(report.post.thread), "discussions.report_dismissed", by=by,
                target=report.post, data={"report": report.pk},
            )  # fmt: skip
    return report


def _thread_act(thread: Thread, by, action: str, field: str, value, data=None) -> Thread:
    _check_looks_after(by, thread.category.topic_id)
    with transaction.atomic():
        locked = _locked_thread(thread)
        if getattr(locked, field) != value:
            setattr(locked, field, value)
            locked.save(update_fields=[field])
            record_event(chain_for(locked), action, by=by, target=locked, data=data or {})
    setattr(thread, field, value)
    return thread


def pin_thread(thread: Thread, *, by, pinned: bool = True) -> Thread:
    """Pin a thread at the top of its category (or unpin it)."""
    action = "discussions.thread_pinned" if pinned else "discussions.thread_unpinned"
    return _thread_act(thread, by, action, "pinned", pinned)


def lock_thread(thread: Thread, *, by, locked: bool = True) -> Thread:
    """Close a thread to new replies (or open it again)."""
    action = "discussions.thread_locked" if locked else "discussions.thread_unlocked"
    return _thread_act(thread, by, action, "locked", locked)


def retitle_thread(thread: Thread, *, by, title) -> Thread:
    """Change a thread's title."""
    title = _text("title", title, TITLE_MAX, label_required=_("Give the thread a title."))
    return _thread_act(
        thread, by, "discussions.thread_retitled", "title", title,
        data={"title": title, "before": thread.title},
    )  # fmt: skip


def move_thread(thread: Thread, *, by, category: Category) -> Thread:
    """Move a thread to another category: who moves it looks after both topics."""
    _check_looks_after(by, category.topic_id)
    return _thread_act(
        thread, by, "discussions.thread_moved", "category", category,
        data={"from": thread.category_id, "to": category.pk},
    )  # fmt: skip


def ban_member(member: Member, *, by, reason) -> Ban:
    """A moderator stops a member from writing in the discussions."""
    who = reader(by)
    if not who.moderator:
        raise PermissionDenied(_("Only the community's moderators can ban a member."))
    if member.user_id == by.pk:
        raise _refuse("reason", _("You can't ban yourself."), "self_ban")
    reason = _reason(reason)
    with transaction.atomic():
        ban, created = Ban.objects.get_or_create(
            member=member,
            defaults={"reason": reason, "banned_by": by, "banned_at": timezone.now()},
        )
        if created:
            record_event(
                COMMUNITY_CHAIN, "discussions.member_banned", by=by, target=member,
                data={"reason": reason},
            )  # fmt: skip
    return ban


def lift_ban(ban: Ban, *, by) -> None:
    """A moderator lets a banned member write again."""
    if not reader(by).moderator:
        raise PermissionDenied(_("Only the community's moderators can lift a ban."))
    with transaction.atomic():
        member = ban.member
        ban.delete()
        record_event(COMMUNITY_CHAIN, "discussions.ban_lifted", by=by, target=member)
