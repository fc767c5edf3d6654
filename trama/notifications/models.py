from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Every event that notifies someone; each person chooses how each kind reaches them."""

    # Organisations
    STAFF_ACT = "staff_act", _("Platform staff acted on one of your organisations")
    CLAIM_DECIDED = "claim_decided", _("Decision on your request to join an organisation")
    # Calls and proposals
    PARTNER_INVITED = "partner_invited", _("Your organisation is invited into a proposal")
    PROPOSAL_RECEIVED = "proposal_received", _("Receipt of a proposal you submitted")
    DEADLINE_NEAR = "deadline_near", _("A call's deadline is near and your proposal is a draft")
    QUESTION_ASKED = "question_asked", _("A question on a call you manage")
    QUESTION_ANSWERED = "question_answered", _("The answer to your question on a call")
    EVALUATOR_APPOINTED = "evaluator_appointed", _("You are appointed to an evaluation commission")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested for your proposal")
    OUTCOME_PUBLISHED = "outcome_published", _("The ranking of a call you took part in")
    # The co-design table
    TABLE_OPENED = "table_opened", _("A co-design table your body takes part in is open")
    MINUTES_TO_APPROVE = "minutes_to_approve", _("Minutes of a meeting your body attended")
    PROJECT_ADOPTED = "project_adopted", _("The shared project of a co-design table is adopted")
    # Agreements
    AGREEMENT_TO_SIGN = "agreement_to_sign", _("An agreement awaits your organisation's signature")
    # Resource ledger
    GRANT_NAMED = "grant_named", _("A grant names your foundation")
    ACTUAL_TO_VERIFY = "actual_to_verify", _("Resources brought to a program await verification")
    ENTRY_REJECTED = "entry_rejected", _("Resources you declared were rejected")
    GRANT_DISPUTED = "grant_disputed", _("A grant you declared was disputed by the funder")
    # Co-production under an agreement
    REPORT_DUE = "report_due", _("A report of an agreement is due or overdue")
    REPORT_SUBMITTED = "report_submitted", _("A report of an agreement awaits verification")
    REPORT_CHANGES = "report_changes", _("Changes requested to a report of an agreement")
    REPORT_ACCEPTED = "report_accepted", _("A report of an agreement was accepted")
    PAYMENT_RECORDED = "payment_recorded", _("A payment of the public contribution was recorded")
    # Community of practice
    FOLLOWED_ACT = "followed_act", _("An act of a call or an organisation you follow")
    # Community discussions
    DISCUSSION_MENTION = "discussion_mention", _("Someone mentioned you in a discussion")
    DISCUSSION_REPLY = "discussion_reply", _("A new post in a discussion you follow")
    DISCUSSION_HELD = "discussion_held", _("A new member's post awaits review")
    # Platform staff
    CLAIM_SUBMITTED = "claim_submitted", _("Requests to join an organisation (staff)")
    BODY_TO_VERIFY = "body_to_verify", _("Organisations to verify (staff)")
    PARTNER_WITHOUT_ADMIN = (
        "partner_without_admin",
        _("A partner body without administrators (staff)"),
    )


STAFF_KINDS = frozenset({Kind.CLAIM_SUBMITTED, Kind.BODY_TO_VERIFY, Kind.PARTNER_WITHOUT_ADMIN})


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("An e-mail at once")
    DIGEST = "digest", _("One e-mail a day with everything new")
    INBOX = "inbox", _("Only in the notifications on Trama")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def awaiting_digest(self):
        return self.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True, read_at__isnull=True)


class Notification(models.Model):
    """One event told to one person: a row in their inbox, and maybe an e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # The act's page, as a path on this site: links in e-mails prefix SITE_URL to it.
    path = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # How it was to reach the person when it was made (their preference then), and when the
    # e-mail that carries it was queued: a digest never sends a row twice.
    delivery = models.CharField(max_length=16, choices=Delivery, default=Delivery.IMMEDIATE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(delivery="digest", emailed_at__isnull=True),
                name="notification_digest",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path if self.path else ""


class Preference(models.Model):
    """How one kind of event reaches one person; without a row, an e-mail at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.delivery}"
