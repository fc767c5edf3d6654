"""Discussions of the community: categories by topic, threads, posts, and their moderation.

A thread's first post is its opening text; every later post is a reply. Each post keeps the
Markdown its author wrote and the sanitised HTML rendered from it when it was saved, so a
page shows stored HTML and never renders Markdown while serving.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trama.community.models import Member, Topic


class Category(models.Model):
    """A place for the threads of one topic of the community."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("discussion category")
        verbose_name_plural = _("discussion categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("discussions:category", args=[self.slug])


class State(models.TextChoices):
    PUBLISHED = "PUBLISHED", _("Published")
    HELD = "HELD", _("Held for review")
    HIDDEN = "HIDDEN", _("Hidden by the moderators")


class ThreadQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=State.PUBLISHED)

    def attached_to(self, obj):
        """The threads about one object (a practice sheet, a library document, an event)."""
        return self.filter(attached_type=ContentType.objects.get_for_model(obj), attached_id=obj.pk)

    def for_listing(self):
        return self.select_related("author", "category").order_by(
            "-pinned", "-last_posted_at", "-pk"
        )


class Thread(models.Model):
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    is_question = models.BooleanField(_("it is a question"), default=False)
    accepted_post = models.ForeignKey(
        "Post",
        verbose_name=_("accepted answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PUBLISHED)
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    created_at = models.DateTimeField(_("created at"))
    last_posted_at = models.DateTimeField(_("last post at"))
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    # What the thread is about, if anything: a practice sheet, a library document, an
    # event. Generic so that those apps can link their threads without a migration here.
    attached_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attached_id = models.PositiveBigIntegerField(null=True, blank=True)
    attached_to = GenericForeignKey("attached_type", "attached_id")

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(
                fields=["category", "state", "-pinned", "-last_posted_at"], name="thread_listing"
            ),
            models.Index(fields=["attached_type", "attached_id"], name="thread_attached"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(attached_type__isnull=True, attached_id__isnull=True)
                | Q(attached_type__isnull=False, attached_id__isnull=False),
                name="thread_attached_both_or_neither",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("discussions:thread", args=[self.pk])


class PostQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=State.PUBLISHED)

    def held(self):
        return self.filter(state=State.HELD)


class Post(models.Model):
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.TextField(_("text (Markdown)"))
    html = models.TextField(_("text (sanitised HTML)"))
    quoted = models.ForeignKey(
        "self",
        verbose_name=_("quoted post"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PUBLISHED)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    # When the post became visible (at once, or when a moderator approved it): subscribers
    # and digests follow this moment, so an approved post is never skipped.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    # The form's one-time key: a second submission of the same form finds this post.
    submission_key = models.CharField(max_length=64, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "state", "created_at"], name="post_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_key"],
                condition=~Q(submission_key=""),
                name="post_submitted_once",
            )
        ]

    def __str__(self):
        return f"{self.thread} #{self.pk}"

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url()}?post={self.pk}#post-{self.pk}"


class Report(models.Model):
    """A member tells the moderators that a post breaks the community's rules."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_once",
            )
        ]

    def __str__(self):
        return f"{self.post} · {self.reason[:40]}"


class Ban(models.Model):
    """A member the moderators stopped from writing in the community's discussions."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="discussion_ban")
    reason = models.CharField(_("reason"), max_length=500)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    banned_at = models.DateTimeField(_("banned at"))

    class Meta:
        verbose_name = _("ban from the discussions")
        verbose_name_plural = _("bans from the discussions")

    def __str__(self):
        return str(self.member)


class Delivery(models.TextChoices):
    IMMEDIATE = "IMMEDIATE", _("Each new post, in my notifications and by e-mail")
    DIGEST = "DIGEST", _("One e-mail a day with the new posts")


class Subscription(models.Model):
    """A person follows a thread or a whole category."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_subscriptions"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    delivery = models.CharField(
        _("how new posts reach you"), max_length=10, choices=Delivery, default=Delivery.IMMEDIATE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=True, category__isnull=False)
                | Q(thread__isnull=False, category__isnull=True),
                name="subscription_thread_or_category",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(thread__isnull=False),
                name="subscription_thread_once",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="subscription_category_once",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.thread_id or self.category_id}"


class DigestMark(models.Model):
    """Up to when a person's daily digest has covered new posts: a run never repeats one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_digest"
    )
    covered_until = models.DateTimeField()

    def __str__(self):
        return f"{self.user_id}: {self.covered_until}"
