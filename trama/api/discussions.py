"""The community's discussions: categories, threads and posts; opening a thread, replying,
following. Reading threads and posts needs a token of a member of the community.

Writes call trama.community.discussions.services, whose refusals carry stable codes:
`required`, `too_long`, `invalid_text`, `too_many_links` (a new member's post with more than
one link), `thread_locked`, `thread_not_published`, `bad_quote`, `rate_limited` (429: posting
too fast), `forbidden` (not a member, or banned), `not_a_question` and `bad_answer` (accepting
an answer). A post of a new member is `HELD` for review.
"""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from trama.community.discussions import services
from trama.community.discussions.access import (
    access_category,
    access_post,
    access_thread,
    reader,
    visible_posts,
    visible_threads,
)
from trama.community.discussions.models import Category, Post, State
from trama.lib.refusals import refusal_code

from .auth import OptionalTokenAuth, TokenAuth
from .bounds import Id, InputSchema, Pagination, Text
from .errors import ApiError, errors

router = Router(tags=["discussions"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
READ = {"auth": TokenAuth()}
WRITE = {"auth": TokenAuth(write=True)}


class CategoryOut(Schema):
    slug: str
    name: str
    description: str
    topic: str = Field(description="The slug of the community topic.")

    @staticmethod
    def resolve_topic(obj):
        return obj.topic.slug


class ThreadOut(Schema):
    id: int
    title: str
    category: str
    author: str
    is_question: bool
    accepted_post: int | None
    state: Literal["PUBLISHED", "HELD", "HIDDEN"]
    pinned: bool
    locked: bool
    replies: int
    last_posted_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_category(obj):
        return obj.category.slug

    @staticmethod
    def resolve_author(obj):
        return obj.author.public_name

    @staticmethod
    def resolve_accepted_post(obj):
        return obj.accepted_post_id

    @staticmethod
    def resolve_replies(obj):
        return obj.reply_count

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class PostOut(Schema):
    id: int
    author: str
    html: str | None = Field(description="Sanitised HTML; null when hidden by the moderators.")
    source: str | None = Field(description="The Markdown as written; null when hidden.")
    state: Literal["PUBLISHED", "HELD", "HIDDEN"]
    hidden_reason: str
    quoted: int | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_author(obj):
        return obj.author.public_name

    @staticmethod
    def resolve_html(obj):
        return None if obj.state == State.HIDDEN else obj.html

    @staticmethod
    def resolve_source(obj):
        return None if obj.state == State.HIDDEN else obj.source

    @staticmethod
    def resolve_quoted(obj):
        return obj.quoted_id


class ThreadIn(InputSchema):
    title: Text(services.TITLE_MAX)
    text: Text(services.TEXT_MAX)
    is_question: bool = False
    key: Text(64) = Field("", description="A key of the client's: the same key posts once.")


class ReplyIn(InputSchema):
    text: Text(services.TEXT_MAX)
    quoted: int | None = None
    key: Text(64) = Field("", description="A key of the client's: the same key posts once.")


class SubscriptionIn(InputSchema):
    delivery: Literal["IMMEDIATE", "DIGEST", "NONE"] = "IMMEDIATE"


class SubscriptionOut(Schema):
    thread: int
    delivery: Literal["IMMEDIATE", "DIGEST", "NONE"]


def _member_only(user):
    who = reader(user)
    if who.member is None:
        raise ApiError(403, "not_a_member", _("Join the community to read its discussions."))
    return who


def _posting(action):
    try:
        return action()
    except ValidationError as exc:
        if refusal_code(exc) == "rate_limited":
            raise ApiError(429, "rate_limited", " ".join(exc.messages)) from exc
        raise


@router.get(
    "/community/discussions",
    response={200: list[CategoryOut], **errors(401)},
    summary="List the discussion categories",
    **PUBLIC,
)
def list_discussion_categories(request):
    """One category per topic of the community, by position."""
    return list(Category.objects.select_related("topic"))


@router.get(
    "/community/discussions/{slug}/threads",
    response={200: list[ThreadOut], **errors(401, 403, 404, 422)},
    summary="List a category's threads",
    **READ,
)
@paginate(Pagination)
def list_threads(request, slug: str):
    """Pinned first, then by last post. For members of the community."""
    category, who = access_category(request.user, slug)
    _member_only(request.user)
    return visible_threads(who, category.threads.all()).for_listing()


@router.get(
    "/community/discussions/threads/{thread_id}/posts",
    response={200: list[PostOut], **errors(401, 403, 404, 422)},
    summary="List a thread's posts",
    **READ,
)
@paginate(Pagination)
def list_posts(request, thread_id: int):
    """The opening post first, then the replies, in order."""
    _member_only(request.user)
    thread, who = access_thread(request.user, thread_id)
    return visible_posts(who, thread).select_related("author").order_by("created_at", "pk")


@router.post(
    "/community/discussions/{slug}/threads",
    response={201: ThreadOut, **errors(400, 401, 403, 404, 422)},
    summary="Open a thread",
    **WRITE,
)
def start_thread(request, slug: str, payload: ThreadIn):
    """A new member's thread is `HELD` until a moderator approves it."""
    category, _who = access_category(request.user, slug)
    thread = _posting(
        lambda: services.start_thread(
            request.user, category, title=payload.title, text=payload.text,
            is_question=payload.is_question, key=payload.key,
        )
    )  # fmt: skip
    return Status(201, thread)


@router.post(
    "/community/discussions/threads/{thread_id}/posts",
    response={201: PostOut, **errors(400, 401, 403, 404, 422)},
    summary="Reply in a thread",
    **WRITE,
)
def reply(request, thread_id: int, payload: ReplyIn):
    """`quoted`: the id of a post of the same thread that the reply quotes."""
    _member_only(request.user)
    thread, _who = access_thread(request.user, thread_id)
    quoted = Post.objects.filter(pk=payload.quoted).first() if payload.quoted else None
    post = _posting(
        lambda: services.reply(
            request.user, thread, text=payload.text, quoted=quoted, key=payload.key
        )
    )
    return Status(201, post)


@router.post(
    "/community/discussions/threads/{thread_id}/subscription",
    response={200: SubscriptionOut, **errors(400, 401, 403, 404, 422)},
    summary="Follow a thread",
    **WRITE,
)
def follow_thread(request, thread_id: int, payload: SubscriptionIn):
    """`IMMEDIATE`: each new post in the inbox and by e-mail; `DIGEST`: one e-mail a day;
    `NONE`: stop following."""
    _member_only(request.user)
    thread, _who = access_thread(request.user, thread_id)
    if payload.delivery == "NONE":
        services.unsubscribe(request.user, thread=thread)
    else:
        services.subscribe(request.user, thread=thread, delivery=payload.delivery)
    return {"thread": thread.pk, "delivery": payload.delivery}


@router.post(
    "/community/discussions/posts/{post_id}/accept",
    response={200: ThreadOut, **errors(400, 401, 403, 404, 422)},
    summary="Accept a reply as the answer",
    **WRITE,
)
def accept_answer(request, post_id: Id):
    """The author of the question, or who looks after its topic (403 `forbidden` for anyone
    else), marks a published reply as the answer; accepting another replaces it. Refused
    with `not_a_question` when the thread is not a question, `bad_answer` for the opening
    post or a reply not published. 404 for a post the token's owner may not see."""
    post, _who = access_post(request.user, post_id)
    return services.accept_answer(post.thread, post, by=request.user)
