from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calls import Criterion
from .procedures import Procedure
from .proposals import Proposal


class CommissionMember(models.Model):
    """An evaluator appointed by the RUP; sees nothing before declaring no conflict."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="commission")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissions"
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("commission members")
        ordering = ["procedure", "-is_chair", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "user"], name="commission_member_once")
        ]

    def __str__(self):
        return f"{self.user} ({self.procedure_id})"


class Declaration(models.Model):
    """A person's declaration on conflicts of interest with the bodies of one procedure.

    Evaluators and the RUP make it before seeing any proposal; one declaring a conflict is
    kept out of that procedure's proposals for good. The bodies listed are kept as declared.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="declarations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    bodies = models.JSONField(_("bodies listed"), default=list)
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declaration of interests")
        verbose_name_plural = _("declarations of interests")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "user"], name="one_declaration_each")
        ]

    def __str__(self):
        return f"{self.user} ({self.procedure_id})"


class DocumentRequest(models.Model):
    """Soccorso istruttorio: missing documents asked of one proposal, with its own deadline."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="document_requests"
    )
    text = models.TextField(_("documents requested"))
    deadline = models.DateTimeField(_("deadline"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request for missing documents")
        verbose_name_plural = _("requests for missing documents")
        ordering = ["proposal", "requested_at"]

    def __str__(self):
        return f"{self.proposal} — {self.deadline:%Y-%m-%d %H:%M}"


class Score(models.Model):
    """One evaluator's points for one criterion of one admitted proposal, with a rationale."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    rationale = models.TextField(_("rationale"))
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "criterion", "evaluator"], name="one_score_each"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.proposal} / {self.criterion_id}: {self.points}"
