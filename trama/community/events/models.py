"""Events of the community of practice: sessions, invitations, registrations with a waiting
list, materials afterwards; people following calls and organisations; calendar feeds."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trama.community.models import Member
from trama.lib.storage import private_storage
from trama.organizations.models import Organization
from trama.procedures.models import Procedure


class EventQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")

    def for_list(self):
        return self.select_related("organizer").annotate(session_count=Count("sessions"))


class Event(models.Model):
    """A seminar, a meeting, a workshop of the community: one or more sessions."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online = models.BooleanField(_("online"), default=False)
    organizer = models.ForeignKey(
        Organization,
        verbose_name=_("organising body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_events",
    )
    # The first session's start and the last one's end, kept by the services: lists sort
    # and split upcoming / past on them without reading the sessions.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["ends_at", "starts_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event", args=[self.pk])

    @property
    def where(self) -> str:
        if self.place and self.online:
            return _("%(place)s and online") % {"place": self.place}
        return self.place or (_("Online") if self.online else "")


class Session(models.Model):
    """One part of an event: open to anyone signed in, or restricted to who is invited."""

    class Access(models.TextChoices):
        OPEN = "OPEN", _("Open to anyone signed in")
        RESTRICTED = "RESTRICTED", _("Restricted to invited members and bodies")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    access = models.CharField(_("access"), max_length=10, choices=Access, default=Access.OPEN)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="events_session_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="events_session_capacity_positive",
            ),
        ]

    def __str__(self):
        return f"{self.event} — {self.title}"

    def get_absolute_url(self):
        return reverse("events:event", args=[self.event_id]) + f"#sessione-{self.pk}"

    @property
    def is_restricted(self) -> bool:
        return self.access == self.Access.RESTRICTED

    @property
    def where(self) -> str:
        return self.place or self.event.place

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())


class Invitation(models.Model):
    """Who may register to a restricted session: a community member, or a whole body."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, organization__isnull=True)
                | Q(member__isnull=True, organization__isnull=False),
                name="events_invitation_one_invitee",
            ),
            models.UniqueConstraint(
                fields=["session", "member"], name="events_invitation_member_once"
            ),
            models.UniqueConstraint(
                fields=["session", "organization"], name="events_invitation_org_once"
            ),
        ]

    def __str__(self):
        return str(self.member or self.organization)


class RegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waiting(self):
        return self.filter(status=Registration.Status.WAITING).order_by("queued_at", "pk")

    def active(self):
        return self.exclude(status=Registration.Status.CANCELLED)


class Registration(models.Model):
    """A person's place in a session, or their turn on its waiting list."""

    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED", _("Registered")
        WAITING = "WAITING", _("On the waiting list")
        CANCELLED = "CANCELLED", _("Cancelled")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status)
    # When the person (last) asked for a place: the waiting list's order.
    queued_at = models.DateTimeField(_("asked at"))
    confirmed_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="events_registration_once")
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"])]

    def __str__(self):
        return f"{self.user} · {self.session}"


class Material(models.Model):
    """A file of a session, afterwards (slides, a paper) or its minutes."""

    class Kind(models.TextChoices):
        MATERIAL = "MATERIAL", _("Material")
        MINUTES = "MINUTES", _("Minutes")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.MATERIAL)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to="community/events/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["kind", "title", "pk"]

    def __str__(self):
        return self.title


class Follow(models.Model):
    """A person follows a call or an organisation: its public acts reach their inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure__isnull=False, organization__isnull=True)
                | Q(procedure__isnull=True, organization__isnull=False),
                name="events_follow_one_target",
            ),
            models.UniqueConstraint(fields=["user", "procedure"], name="events_follow_call_once"),
            models.UniqueConstraint(fields=["user", "organization"], name="events_follow_org_once"),
        ]

    def __str__(self):
        return f"{self.user} → {self.procedure or self.organization}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's calendar address: its secret token is the only key to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user}"

    def get_absolute_url(self):
        return reverse("events:feed", args=[self.token])
