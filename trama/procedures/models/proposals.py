from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The ledger owns these vocabularies; a budget plan line becomes a ledger pledge as it is.
from trama.ledger.vocabulary import Category, Source
from trama.lib.storage import private_storage
from trama.organizations.models import Organization

from .calls import Criterion
from .procedures import Procedure


class ProposalQuerySet(models.QuerySet):
    def received(self):
        """Submitted proposals still standing (not withdrawn, not replaced, not drafts)."""
        return self.exclude(state__in=Proposal.NOT_RECEIVED)


class Proposal(models.Model):
    """A partnership's proposal to a co-design call: sealed from submission to the deadline.

    A submitted proposal is never edited: a new version is a new row (`replaces`), and
    submitting it marks the old one REPLACED. Its title is sealed content too, so the
    string form of a proposal never shows it.
    """

    class State(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        SUBMITTED = "SUBMITTED", _("Submitted")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn")
        REPLACED = "REPLACED", _("Replaced by a new version")
        ADMITTED = "ADMITTED", _("Admitted")
        EXCLUDED = "EXCLUDED", _("Excluded")
        SELECTED = "SELECTED", _("Selected")
        NOT_SELECTED = "NOT_SELECTED", _("Not selected")

    NOT_RECEIVED = [State.DRAFT, State.WITHDRAWN, State.REPLACED]

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="proposals")
    lead = models.ForeignKey(
        Organization,
        verbose_name=_("lead body"),
        on_delete=models.PROTECT,
        related_name="proposals_led",
    )
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.DRAFT)
    version = models.PositiveSmallIntegerField(default=1)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    budget_total = models.DecimalField(
        _("total of the budget plan (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Since when this content is sealed against newer members (procedures.access): the
    # first submission of the content, which a new version copies and keeps when submitted.
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    total_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["procedure", "pk"]
        constraints = [
            # Per lead body and call: one draft, and one submitted proposal standing. A new
            # version is a draft beside the submitted one, and replaces it when submitted.
            models.UniqueConstraint(
                fields=["procedure", "lead"],
                condition=Q(state="DRAFT"),
                name="one_draft_per_lead",
            ),
            models.UniqueConstraint(
                fields=["procedure", "lead"],
                condition=~Q(state__in=["DRAFT", "WITHDRAWN", "REPLACED"]),
                name="one_standing_proposal_per_lead",
            ),
        ]

    def __str__(self):
        return _("Proposal no. %(pk)s") % {"pk": self.pk}


class ProposalPartner(models.Model):
    """A body in a proposal's partnership; every partner's admin confirms on Trama."""

    class Role(models.TextChoices):
        LEAD = "LEAD", _("Lead body")
        PARTNER = "PARTNER", _("Partner")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partners")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=Role, default=Role.PARTNER)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["proposal", "-role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "organization"], name="proposal_partner_once"
            )
        ]

    def __str__(self):
        return str(self.organization)


class ProposalSection(models.Model):
    """The proposal's answer to one evaluation criterion."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="sections")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["proposal", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "criterion"], name="proposal_section_once")
        ]

    def __str__(self):
        return f"{self.proposal} / {self.criterion_id}"


class BudgetLine(models.Model):
    """One partner's pledged resource in the budget plan; a ledger pledge once SELECTED."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_lines")
    contributor = models.ForeignKey(
        Organization, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, choices=Source)
    category = models.CharField(_("category"), max_length=16, choices=Category)
    year = models.PositiveSmallIntegerField(_("year"))
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit_value = models.DecimalField(
        _("unit value (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
    funder = models.ForeignKey(
        Organization,
        verbose_name=_("funder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["proposal", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_line_positive")
        ]

    def __str__(self):
        return f"{self.proposal} / {self.pk}"


class ProposalFile(models.Model):
    """A document of a proposal, kept byte for byte (signed .p7m and PAdES PDFs included)."""

    class Kind(models.TextChoices):
        ATTACHMENT = "ATTACHMENT", _("Attachment")
        INTEGRATION = "INTEGRATION", _("Document sent on request (soccorso istruttorio)")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.ATTACHMENT)
    request = models.ForeignKey(
        "procedures.DocumentRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
    )
    name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(upload_to="proposals/%Y/%m/", storage=private_storage)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "pk"]

    def __str__(self):
        return f"{self.proposal} / {self.pk}"


class Receipt(models.Model):
    """Proof of a submission: a number, the server time and the SHA-256 of its canonical JSON."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    canonical_json = models.TextField()
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    protocol_number = models.CharField(_("protocol number"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["issued_at", "pk"]

    def __str__(self):
        return self.number
