"""The community of practice: its members, the topics they follow, who moderates it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization
from trama.territories.models import Region

# The text a person agrees to when joining; its version is recorded with the consent, so a
# new wording (a new version) can be told apart from what earlier members agreed to.
CONSENT_VERSION = "2026-01"
CONSENT_TEXT = _(
    "I agree that Trama shows my community profile as I choose (to members only, or to "
    "everyone) and keeps what I contribute to the community; if I leave, my profile is "
    "hidden and my contributions stay under a pseudonym."
)


class Topic(models.Model):
    """A theme of the community (valuing volunteering, writing a co-design call…)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_at__isnull=True)

    def visible_to(self, user, *, member=None):
        """The profiles `user` may read: public ones for everyone, members-only ones for
        the community's members (an account alone is not enough). `member`: whether the
        user is one, when the caller has read it already."""
        qs = self.active()
        if member if member is not None else is_active_member(user):
            return qs
        return qs.filter(visibility=Member.Visibility.PUBLIC)

    def for_directory(self):
        return (
            self.select_related("region")
            .prefetch_related(
                models.Prefetch("organizations", queryset=Organization.objects.order_by("name")),
                "topics",
            )
            .order_by("display_name", "pk")
        )

    def filtered(self, *, region=None, kind="", topic=None):
        qs = self
        if region is not None:
            qs = qs.filter(region=region)
        if kind:
            qs = qs.filter(organizations__kind=kind)
        if topic is not None:
            qs = qs.filter(topics=topic)
        if kind or topic is not None:
            qs = qs.distinct()
        return qs


class Member(models.Model):
    """A person who joined the community: a profile beside their account, by their choice.

    Leaving detaches the account and blanks the profile; the row stays, so what the person
    contributed keeps an author, shown under a pseudonym (`public_name`).
    """

    class Visibility(models.TextChoices):
        MEMBERS = "MEMBERS", _("Members of the community only")
        PUBLIC = "PUBLIC", _("Everyone (public profile)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="community_member",
    )
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organisations"), blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=120, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics of interest"), blank=True, related_name="members"
    )
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    visibility = models.CharField(
        _("who sees the profile"), max_length=8, choices=Visibility, default=Visibility.MEMBERS
    )
    # Opt-in: one e-mail a week with what is new in the member's topics and region
    # (trama.community.whatsnew).
    weekly_digest = models.BooleanField(_("weekly digest of what's new by e-mail"), default=False)
    consented_at = models.DateTimeField(_("consent given at"))
    consent_version = models.CharField(_("version of the consent text"), max_length=20)
    joined_at = models.DateTimeField(_("joined at"))
    updated_at = models.DateTimeField(_("updated at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("community member")
        verbose_name_plural = _("community members")
        ordering = ["display_name", "pk"]
        constraints = [
            # An active member has an account and a name; one who left has neither.
            models.CheckConstraint(
                condition=Q(left_at__isnull=True, user__isnull=False)
                | Q(left_at__isnull=False, user__isnull=True),
                name="community_member_active_has_user",
            )
        ]

    def __str__(self):
        return self.public_name

    def get_absolute_url(self):
        return reverse("community:member", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def pseudonym(self) -> str:
        return gettext("Member %(number)s") % {"number": self.pk}

    @property
    def public_name(self) -> str:
        """The name shown beside what the member contributed: a pseudonym once they left."""
        return self.display_name if self.is_active and self.display_name else self.pseudonym


class Moderator(models.Model):
    """A person named by the platform staff to moderate the whole community."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="community_moderator",
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    named_at = models.DateTimeField(_("named at"))

    class Meta:
        verbose_name = _("moderator")
        verbose_name_plural = _("moderators")

    def __str__(self):
        return str(self.user)


class Facilitator(models.Model):
    """A person named by the platform staff to look after one topic's discussions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="community_facilitations",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="facilitators"
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    named_at = models.DateTimeField(_("named at"))

    class Meta:
        verbose_name = _("facilitator")
        verbose_name_plural = _("facilitators")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="community_facilitator_once")
        ]

    def __str__(self):
        return f"{self.user} · {self.topic}"


def is_active_member(user) -> bool:
    """Whether `user` has joined the community and not left it (anonymous: never)."""
    if user is None or not user.is_authenticated:
        return False
    return Member.objects.filter(user=user, left_at__isnull=True).exists()
