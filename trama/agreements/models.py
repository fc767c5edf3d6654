"""The agreement (convenzione) that follows a co-design table, and the co-production under it.

One agreement per co-design procedure: its scope in the ledger is the procedure's. The
table's budget plan (`PlanLine`) is worked on until the agreement is issued; each issued
version freezes its clauses and plan (`content`), has its PDF generated once and identified
by its SHA-256, and is signed by every party (`SignedCopy`). When every party has signed a
version it is in force: its plan lines become ledger pledges.

During co-production each reporting period has a `Report`: activities, indicators' values,
aggregated beneficiaries and every partner's actual resources (`ReportLine`, which become
ledger ACTUAL entries when the lead submits). Payments of the public contribution follow
the tranches' conditions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trama.ledger.models import LedgerEntry, ReferenceRate, Unit
from trama.ledger.vocabulary import Category, Source
from trama.lib.storage import private_storage
from trama.organizations.models import Organization
from trama.procedures.models import Procedure


class InKind(models.Model):
    """The fields a resource line shares with a ledger entry (in kind: quantity × unit value)."""

    contributor = models.ForeignKey(
        Organization, verbose_name=_("contributor"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, choices=Source)
    category = models.CharField(_("category"), max_length=16, choices=Category)
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
    funder = models.ForeignKey(
        Organization,
        verbose_name=_("funder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    grant_reference = models.CharField(_("grant"), max_length=150, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit, blank=True)
    unit_value = models.DecimalField(
        _("unit value (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rate = models.ForeignKey(
        ReferenceRate,
        verbose_name=_("reference rate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    valuation_note = models.CharField(_("valuation"), max_length=300, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        abstract = True


class PlanLine(InKind):
    """A line of the table's budget plan: the public contribution or a partner's pledge.

    Worked on at the table and edited freely until the agreement is issued; each issued
    version keeps a frozen copy in its `content`.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="plan_lines")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("budget plan line")
        verbose_name_plural = _("budget plan lines")
        ordering = ["procedure", "contributor", "year", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_line_amount_positive")
        ]

    def __str__(self):
        return f"{self.contributor} {self.year} {self.amount}"


class Agreement(models.Model):
    """The agreement of a co-design procedure: parties, object, duration and governance."""

    procedure = models.OneToOneField(Procedure, on_delete=models.PROTECT, related_name="agreement")
    object = models.TextField(_("object"))
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    governance = models.TextField(_("governance"), blank=True)
    obligations = models.TextField(_("obligations of the parties"), blank=True)
    # The version every party has signed last: in force. Null until the first is signed.
    in_force = models.ForeignKey(
        "AgreementVersion",
        verbose_name=_("version in force"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed by every party at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    ended_reason = models.TextField(_("reasons for ending early"), blank=True)
    # The RUP's closing act (completion) or act of termination: number, date and reasons.
    closing_act_number = models.CharField(_("act number"), max_length=80, blank=True)
    closing_act_date = models.DateField(_("act date"), null=True, blank=True)
    closing_reasons = models.TextField(_("reasons of the closing act"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="agreement_dates_in_order"
            )
        ]

    def __str__(self):
        return str(self.procedure)


class Party(models.Model):
    """A party to the agreement: the public body or a partner body, with its representative.

    For a party that receives public money, what D.Lgs. 33/2013 art. 27 asks is recorded
    here, and the contribution is marked published before its first payment.
    """

    class Role(models.TextChoices):
        PUBLIC_BODY = "PUBLIC_BODY", _("Public body")
        LEAD = "LEAD", _("Lead body")
        PARTNER = "PARTNER", _("Partner")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="parties")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=Role)
    representative_name = models.CharField(_("legal representative"), max_length=200)
    representative_tax_code = models.CharField(
        _("legal representative's tax code"), max_length=16, blank=True
    )
    # Replaced by amendment: no longer asked to sign the versions after it.
    active = models.BooleanField(default=True)
    receives_public_money = models.BooleanField(_("receives public money"), default=False)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    office = models.CharField(_("office responsible"), max_length=200, blank=True)
    official = models.CharField(_("official responsible"), max_length=200, blank=True)
    selection_method = models.CharField(_("selection method"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("contribution published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organization"], name="agreement_party_once"
            )
        ]

    def __str__(self):
        return str(self.organization)


class SteeringMember(models.Model):
    """A member of the agreement's steering group (cabina di regia)."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="steering_members"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("steering group member")
        verbose_name_plural = _("steering group members")
        ordering = ["agreement", "pk"]

    def __str__(self):
        return self.name


class Clause(models.Model):
    """A clause the public body adds; the next issued version carries it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="clauses")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["agreement", "position", "pk"]

    def __str__(self):
        return self.title


class ReportingPeriod(models.Model):
    """A period of the reporting calendar, with the date its report is due."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="periods")
    number = models.PositiveSmallIntegerField(_("number"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    due_on = models.DateField(_("report due on"))
    is_final = models.BooleanField(_("final report"), default=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="period_number_once"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_dates_in_order"
            ),
        ]

    def __str__(self):
        return f"{self.number}: {self.starts_on} – {self.ends_on}"


class Indicator(models.Model):
    """An indicator of the agreement: unit, baseline, and a target per period."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["agreement", "pk"]

    def __str__(self):
        return self.name


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="target_once")]

    def __str__(self):
        return f"{self.indicator_id}: {self.value}"


class Tranche(models.Model):
    """A tranche of the public contribution, paid to a party once its condition is met:
    a report accepted (`after_period`) or a date reached (`due_on`)."""

    class Kind(models.TextChoices):
        ADVANCE = "ADVANCE", _("Advance")
        INTERMEDIATE = "INTERMEDIATE", _("Intermediate")
        BALANCE = "BALANCE", _("Balance")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="tranches")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    payee = models.ForeignKey(
        Organization, verbose_name=_("payee"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
    after_period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("after the report of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("from the date"), null=True, blank=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["agreement", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
            models.CheckConstraint(
                condition=Q(after_period__isnull=False) | Q(due_on__isnull=False),
                name="tranche_has_condition",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


def version_path(instance, filename):
    return f"agreements/{instance.agreement_id}/versions/{filename}"


class AgreementVersion(models.Model):
    """An issued version of the agreement: frozen content, its PDF and the PDF's SHA-256.

    Version 1 is the agreement; later versions before every party has signed replace it,
    after that they are amendments (with a reason) and are signed again.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    reason = models.TextField(_("reason for the new version"), blank=True)
    # Every field of the agreement as issued (parties, clauses, calendar, indicators,
    # tranches, plan lines): what the PDF shows and the signatures cover.
    content = models.JSONField()
    pdf = models.FileField(storage=private_storage, upload_to=version_path)
    pdf_sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    # Set when the last party signs this version.
    in_force_at = models.DateTimeField(_("in force since"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_number_once"
            )
        ]

    def __str__(self):
        return f"{self.agreement} v{self.number}"


def signed_copy_path(instance, filename):
    return f"agreements/signed/{instance.version_id}/{filename}"


class SignedCopy(models.Model):
    """A party's digitally signed copy of a version (CAdES .p7m or PAdES), verified on upload."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="signed_copies"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="signed_copies")
    file = models.FileField(storage=private_storage, upload_to=signed_copy_path)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    # [{"name": …, "tax_code": …, "signed_at": …}] as read from the signatures.
    signers = models.JSONField(default=list)
    signer_is_representative = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signed copy")
        verbose_name_plural = _("signed copies")
        constraints = [
            models.UniqueConstraint(fields=["version", "party"], name="one_signed_copy_each")
        ]

    def __str__(self):
        return self.file_name


class AgreementPledge(models.Model):
    """Which ledger pledge a plan line of a version in force became (to reverse on amendment)."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200)  # contributor, source, category, year, funder
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("agreement pledge")
        verbose_name_plural = _("agreement pledges")

    def __str__(self):
        return self.key


class Report(models.Model):
    """The report of a reporting period, prepared by the lead with every partner."""

    class State(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        SUBMITTED = "SUBMITTED", _("Awaiting verification")
        CHANGES_REQUESTED = "CHANGES_REQUESTED", _("Changes requested")
        ACCEPTED = "ACCEPTED", _("Accepted")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="reports")
    period = models.OneToOneField(ReportingPeriod, on_delete=models.PROTECT, related_name="report")
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    activities = models.TextField(_("activities carried out"), blank=True)
    public_summary = models.TextField(_("public summary"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(_("reasons"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["agreement", "period__number"]

    def __str__(self):
        return f"{self.agreement} — {self.period}"


class IndicatorValue(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("actual value"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="indicator_value_once")
        ]

    def __str__(self):
        return f"{self.indicator_id}: {self.value}"


class BeneficiaryCount(models.Model):
    """Beneficiaries reached, as an aggregated count only (never a person's data)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="beneficiaries")
    group = models.CharField(_("group"), max_length=100)
    count = models.PositiveIntegerField(_("number of people"))

    class Meta:
        ordering = ["report", "pk"]

    # Counts below this are shown as "fewer than 3" in anything public.
    PUBLIC_MINIMUM = 3

    def __str__(self):
        return f"{self.group}: {self.count}"


class ReportLine(InKind):
    """A partner's actual resource in a report: a draft line until the lead submits, then a
    ledger ACTUAL entry (pending until the RUP verifies the report)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="lines")
    evidence = models.FileField(
        storage=private_storage, upload_to="agreements/evidence/%Y/%m/", blank=True
    )
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change_reason = models.CharField(_("change requested"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        ordering = ["report", "contributor", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="report_line_amount_positive")
        ]

    def __str__(self):
        return f"{self.contributor_id} {self.amount}"


class Payment(models.Model):
    """A payment of a tranche of the public contribution: also a PUBLIC_OWNER actual."""

    tranche = models.OneToOneField(Tranche, on_delete=models.PROTECT, related_name="payment")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
    order_number = models.CharField(_("payment order number"), max_length=80)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self):
        return f"{self.order_number} {self.amount}"
