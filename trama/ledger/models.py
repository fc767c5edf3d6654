from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trama.lib.append_only import AppendOnlyModel, AppendOnlyQuerySet
from trama.lib.numbers import format_number
from trama.lib.storage import owner_only_storage, private_storage
from trama.organizations.models import Organization
from trama.programs.models import Program

from .vocabulary import Category, Source

CENT = Decimal("0.01")


class Kind(models.TextChoices):
    PLEDGE = "PLEDGE", _("Pledge")
    ACTUAL = "ACTUAL", _("Actual")


class Unit(models.TextChoices):
    HOUR = "HOUR", _("hour")
    DAY = "DAY", _("day")
    SQM_MONTH = "SQM_MONTH", _("m² · month")
    ITEM = "ITEM", _("item")


class ReferenceRate(models.Model):
    """A unit value used to put a price on in-kind resources, valid for a period."""

    name = models.CharField(_("name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit)
    value = models.DecimalField(
        _("unit value (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(CENT)]
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source_note = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the value comes from, e.g. the national contract table and level."),
    )

    class Meta:
        verbose_name = _("reference rate")
        verbose_name_plural = _("reference rates")
        ordering = ["name", "-valid_from"]

    def __str__(self):
        return f"{self.name} – € {format_number(self.value)}/{self.get_unit_display()}"

    def valid_in(self, year: int) -> bool:
        return self.valid_from.year <= year and (
            self.valid_to is None or self.valid_to.year >= year
        )


class ImportBatch(models.Model):
    """One spreadsheet uploaded into a program's ledger: checked, then imported (or not).

    The upload wizard keeps its state here: the file until it is imported, the rows read so
    far, the counts and the rows with problems of the check, then of the run. Only a DONE
    batch has entries; a batch that never got there is forgotten after a while.
    """

    class Status(models.TextChoices):
        CHECKING = "CHECKING", _("checking the file")
        CHECKED = "CHECKED", _("file checked")
        RUNNING = "RUNNING", _("importing")
        DONE = "DONE", _("import complete")
        FAILED = "FAILED", _("import failed")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="import_batches")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    # The uploaded file, kept (readable by the server's user only) until no run can use it.
    file = models.FileField(upload_to="imports/%Y/%m/", storage=owner_only_storage, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.CHECKING)
    # The check's counts, replaced by the run's: rows in the file, new (to be) created,
    # already in the program, with problems; `errors` holds the first rows with problems.
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    file_error = models.TextField(blank=True)
    progress = models.PositiveIntegerField(default=0)  # rows read so far
    language = models.CharField(max_length=10, blank=True)  # of the messages in the report
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d})"

    @property
    def working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.RUNNING)

    @property
    def can_run(self) -> bool:
        """Checked, without problems, with something new: the run may start."""
        return (
            self.status == self.Status.CHECKED
            and not self.bad
            and not self.file_error
            and self.created > 0
        )


class LedgerEntryQuerySet(AppendOnlyQuerySet):
    def with_relations(self):
        return self.select_related("contributor", "funder", "program", "procedure", "reverses")


class LedgerEntry(AppendOnlyModel):
    """A resource a partner pledges or brings. Never changed: a correction reverses it."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="entries")
    # A lazy reference: `procedures` sits above the ledger and records pledges through it.
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    category = models.CharField(_("category"), max_length=16, choices=Category)
    source = models.CharField(_("source"), max_length=20, choices=Source)
    contributor = models.ForeignKey(
        Organization,
        verbose_name=_("contributor"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    funder = models.ForeignKey(
        Organization,
        verbose_name=_("funder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funded_entries",
    )
    grant_reference = models.CharField(_("grant"), max_length=150, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
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
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # An institutional partnership's own resources are partly public money: the public
    # members' total share on the first day of the entry's year, frozen here when the
    # entry is recorded (organizations.shares). The roll-ups count that part as other
    # public resources and the rest as the entity's own (additional) resources.
    public_share = models.DecimalField(
        _("public members' share (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    external_id = models.CharField(_("external id"), max_length=80, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=~Q(source="FOUNDATION_GRANT") | Q(funder__isnull=False),
                name="ledger_grant_names_funder",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True, unit_value__isnull=True)
                | Q(quantity__gt=0, unit_value__gt=0),
                name="ledger_in_kind_complete",
            ),
            models.UniqueConstraint(
                fields=["program", "external_id"],
                condition=~Q(external_id=""),
                name="ledger_external_id_unique_per_program",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "kind", "year"]),
            models.Index(fields=["contributor", "year"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.contributor} € {format_number(self.amount)}"

    @property
    def is_in_kind(self) -> bool:
        return self.quantity is not None

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.is_reversal else self.amount


class Verification(AppendOnlyModel):
    """The owning public body's decision on an actual: an event, never changed."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        ACCEPTED = "ACCEPTED", _("Accepted")
        REJECTED = "REJECTED", _("Rejected")

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="verifications")
    status = models.CharField(_("status"), max_length=8, choices=Status)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["entry", "pk"]

    def __str__(self):
        return f"{self.entry_id}: {self.status}"


class FunderConfirmation(AppendOnlyModel):
    """A funder's word on a grant declared by a partner: confirmed or disputed."""

    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED", _("Confirmed")
        DISPUTED = "DISPUTED", _("Disputed")

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="confirmations")
    status = models.CharField(_("status"), max_length=9, choices=Status)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("funder confirmation")
        verbose_name_plural = _("funder confirmations")
        ordering = ["entry", "pk"]

    def __str__(self):
        return f"{self.entry_id}: {self.status}"


class Evidence(AppendOnlyModel):
    """A file backing an entry; private to contributor, owning body and, for a grant, funder.

    Kept in the private storage (no public URL): only the access-checked view serves it.
    """

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/", storage=private_storage)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.name


class Measure(models.TextChoices):
    """Where an entry counts in the figures, given its kind and latest events."""

    PLEDGED = "PLEDGED", _("Pledged")
    ACCEPTED = "ACCEPTED", _("Accepted actual")
    PENDING = "PENDING", _("Actual awaiting verification")
    REJECTED = "REJECTED", _("Rejected actual")
    DISPUTED = "DISPUTED", _("Actual grant disputed by the funder")


class Level(models.TextChoices):
    PROCEDURE = "procedure"
    PROGRAM = "program"
    OWNER = "owner"
    PROVINCE = "province"
    REGION = "region"
    CONTRIBUTOR = "contributor"
    COUNTRY = "country"
    # The grants that name a funder (foundation), wherever they are.
    FUNDER = "funder"


class LedgerTotal(models.Model):
    """Roll-up: the signed sum of entries per scope, measure, source, category and year.

    Kept up to date in the same transaction as every write, so figures never scan entries;
    `rebuild_ledger_totals` recomputes it from the raw ledger and reports any difference.
    """

    level = models.CharField(max_length=12, choices=Level)
    scope_id = models.BigIntegerField()
    measure = models.CharField(max_length=8, choices=Measure)
    source = models.CharField(max_length=20, choices=Source)
    category = models.CharField(max_length=16, choices=Category)
    year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    entries = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "scope_id", "measure", "source", "category", "year"],
                name="ledger_total_key",
            )
        ]

    def __str__(self):
        return f"{self.level}:{self.scope_id} {self.measure} {self.source} {self.year}"


class ContributorTotal(models.Model):
    """Roll-up per scope and contributor (year 0 = all years), for the contributor breakdown."""

    level = models.CharField(max_length=12, choices=Level)
    scope_id = models.BigIntegerField()
    contributor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=8, choices=Measure)
    additional = models.BooleanField()
    year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    entries = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "scope_id", "measure", "additional", "year", "contributor"],
                name="contributor_total_key",
            )
        ]
        indexes = [
            # Only the wide scopes need an index to rank thousands of contributors; a
            # smaller scope sorts its few rows. Leaving the other levels out of an index on
            # `amount` keeps most roll-up updates HOT (no index write at all).
            models.Index(
                fields=["level", "scope_id", "measure", "additional", "year", "-amount"],
                name="contributor_total_top",
                condition=models.Q(level__in=["country", "region"]),
            ),
            # One contributor's years in the country, read when a write refreshes their sums
            # over ranges of years (ledger/ranges.py).
            models.Index(
                fields=["contributor", "measure", "year"],
                name="contributor_total_country",
                condition=models.Q(level="country", additional=True),
            ),
        ]

    def __str__(self):
        return f"{self.level}:{self.scope_id} {self.contributor_id} {self.measure} {self.year}"


class RangeFloor(models.Model):
    """A year range whose country ranking is kept in RangeLeader (see ledger/ranges.py).

    Every contributor whose additional resources over the range, in the measure, add up to
    more than `floor` has a RangeLeader row with that exact sum.
    """

    measure = models.CharField(max_length=8, choices=Measure)
    year_from = models.PositiveSmallIntegerField()
    year_to = models.PositiveSmallIntegerField()
    floor = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "year_from", "year_to"], name="range_floor_key"
            )
        ]

    def __str__(self):
        return f"{self.measure} {self.year_from}–{self.year_to} > {self.floor}"


class RangeLeader(models.Model):
    """A contributor's additional resources in the country over a range of years."""

    measure = models.CharField(max_length=8, choices=Measure)
    year_from = models.PositiveSmallIntegerField()
    year_to = models.PositiveSmallIntegerField()
    contributor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "year_from", "year_to", "contributor"],
                name="range_leader_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["measure", "year_from", "year_to", "-amount"], name="range_leader_top"
            )
        ]

    def __str__(self):
        return f"{self.measure} {self.year_from}–{self.year_to} {self.contributor_id}"
