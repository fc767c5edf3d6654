import copy

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trama.organizations.models import Organization
from trama.programs.models import Program


class ProcedureQuerySet(models.QuerySet):
    def on_platform(self):
        return self.filter(origin=Procedure.Origin.PLATFORM)

    def public(self):
        """Procedures whose call has been published (whatever happened next)."""
        return self.on_platform().filter(published_at__isnull=False)

    def listed(self):
        """What anyone may see of a program's procedures: those recorded from history and
        the published calls (a draft is the owning body's until it is published)."""
        return self.filter(Q(origin=Procedure.Origin.HISTORICAL) | Q(published_at__isnull=False))

    def open_calls(self, now=None):
        """Calls that accept submissions or expressions of interest (`Procedure.is_open`)."""
        now = now or timezone.now()
        return self.public().filter(
            Q(kind=Procedure.Kind.CO_DESIGN, state=Procedure.State.PUBLISHED, deadline__gte=now)
            | Q(kind=Procedure.Kind.CO_PROGRAMMING, state=Procedure.State.OPEN, deadline__gte=now)
        )

    def with_territory(self):
        return self.select_related("owner__municipality__province__region", "program")


class Procedure(models.Model):
    """One co-programming, co-design or accreditation procedure inside a program.

    A procedure recorded from history (it ran before the platform) is the same object as one
    run on Trama: it has a historical origin, a final state and no transitions. One run on
    Trama carries its call (avviso) in the fields below and moves through the states of
    `workflow.py`, one service per transition.
    """

    class Kind(models.TextChoices):
        CO_PROGRAMMING = "CO_PROGRAMMING", _("Co-programming")
        CO_DESIGN = "CO_DESIGN", _("Co-design")
        ACCREDITATION = "ACCREDITATION", _("Accreditation")
        # The selection of an institutional partnership's private members: recorded from
        # history, never run on Trama.
        DUAL_PURPOSE_TENDER = (
            "DUAL_TENDER",
            _("Dual-purpose tender (gara a doppio oggetto)"),
        )

    class Origin(models.TextChoices):
        HISTORICAL = "HISTORICAL", _("Recorded from history")
        PLATFORM = "PLATFORM", _("Run on Trama")

    class State(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        OPEN = "OPEN", _("Open")
        PARTICIPANTS_ADMITTED = "PARTICIPANTS_ADMITTED", _("Participants admitted")
        WORKING = "WORKING", _("Working tables")
        CONCLUDED = "CONCLUDED", _("Concluded")
        PUBLISHED = "PUBLISHED", _("Published")
        CLOSED = "CLOSED", _("Closed")
        EVALUATION = "EVALUATION", _("Evaluation")
        RANKED = "RANKED", _("Ranked")
        TABLE = "TABLE", _("Co-design table")
        AGREED = "AGREED", _("Agreement signed")
        IN_PROGRESS = "IN_PROGRESS", _("In progress")
        COMPLETED = "COMPLETED", _("Completed")
        CANCELLED = "CANCELLED", _("Cancelled")
        TERMINATED = "TERMINATED", _("Terminated early")

    class TieRule(models.TextChoices):
        EARLIER_SUBMISSION = "EARLIER_SUBMISSION", _("Earlier submission ranks first")
        SHARED_RANK = "SHARED_RANK", _("Tied proposals share the rank")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="procedures")
    owner = models.ForeignKey(
        Organization,
        verbose_name=_("owning public body"),
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.CO_DESIGN)
    origin = models.CharField(_("origin"), max_length=12, choices=Origin, default=Origin.PLATFORM)
    state = models.CharField(_("state"), max_length=24, choices=State, default=State.DRAFT)
    reference = models.CharField(_("reference number"), max_length=80, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    participants = models.ManyToManyField(
        Organization,
        verbose_name=_("participating bodies"),
        blank=True,
        related_name="procedures_joined",
    )
    description = models.TextField(_("object of the call"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # The call (avviso pubblico) of a procedure run on Trama.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("started by the co-programming"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    rup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("procedure manager (RUP)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures_managed",
    )
    objectives = models.TextField(_("objectives"), blank=True)
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True
    )
    requirements = models.TextField(_("admission requirements"), blank=True)
    non_ets_partners = models.BooleanField(
        _("non-ETS supporters and funders may join as partners"), default=False
    )
    commission_checks_admission = models.BooleanField(
        _("the commission, not the RUP, checks admission"), default=False
    )
    min_score = models.DecimalField(
        _("minimum score to be selected"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    max_selected = models.PositiveSmallIntegerField(
        _("proposals to select (empty: all above the threshold)"), null=True, blank=True
    )
    tie_rule = models.CharField(
        _("ties"), max_length=20, choices=TieRule, default=TieRule.EARLIER_SUBMISSION
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    clarification_deadline = models.DateTimeField(
        _("deadline for questions"), null=True, blank=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    ranked_at = models.DateTimeField(_("ranking published at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    final_document = models.TextField(_("final document"), blank=True)
    receipts_issued = models.PositiveIntegerField(default=0, editable=False)
    # The one-time key of the form that wrote this draft: the same form sent twice (a double
    # click) finds this draft instead of making another (services.draft_call).
    draft_key = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False
    )

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["program", "opened_on", "pk"]
        indexes = [models.Index(fields=["state", "deadline"])]
        constraints = [
            models.UniqueConstraint(
                fields=["draft_key"],
                condition=~Q(draft_key=""),
                name="procedure_draft_key_once",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("procedures:call", args=[self.pk])

    @property
    def is_historical(self) -> bool:
        return self.origin == self.Origin.HISTORICAL

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def is_open(self, now=None) -> bool:
        """Accepting proposals or expressions of interest: published, before the deadline."""
        return self.state in (self.State.PUBLISHED, self.State.OPEN) and not self.deadline_passed(
            now
        )

    def deadline_passed(self, now=None) -> bool:
        """The deadline is the last instant at which a submission is still on time."""
        return self.deadline is not None and (now or timezone.now()) > self.deadline

    def observed(self, now=None) -> "Procedure":
        """The procedure as the clock reads it: a published call past its deadline is closed.

        Pages show this and never write: closing a call (locked, audited) is the work of
        `procedure_housekeeping` and of the first act after the deadline. Returns a copy
        when the clock has moved it, so the stored state is never saved by mistake.
        """
        if self.state != self.State.PUBLISHED or not self.deadline_passed(now):
            return self
        seen = copy.copy(self)
        seen.state = self.State.CLOSED
        seen.closed_at = self.deadline
        seen.closed_on = timezone.localdate(self.deadline)
        return seen
