"""Practice sheets (schede di pratica) and the community's library of documents."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trama.community.models import Member
from trama.lib.storage import private_storage
from trama.organizations.models import Organization
from trama.programs.models import Area, Program
from trama.territories.models import Municipality, Region

AMOUNT = {"max_digits": 14, "decimal_places": 2}


# --- the library ------------------------------------------------------------------------------


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class DocumentQuerySet(models.QuerySet):
    def for_list(self):
        return (
            self.select_related("author", "body")
            .prefetch_related("tags")
            .order_by("-updated_at", "-pk")
        )

    def filtered(self, *, kind="", tag=None, body=None, licence=""):
        qs = self
        if kind:
            qs = qs.filter(kind=kind)
        if licence:
            qs = qs.filter(licence=licence)
        if body is not None:
            qs = qs.filter(body=body)
        if tag is not None:
            qs = qs.filter(
                Exists(Document.tags.through.objects.filter(document=OuterRef("pk"), tag=tag))
            )
        return qs


class Document(models.Model):
    """A document of the library: a template, a determination, a study, slides…"""

    class Kind(models.TextChoices):
        CALL_TEMPLATE = "CALL_TEMPLATE", _("Call template")
        AGREEMENT_TEMPLATE = "AGREEMENT_TEMPLATE", _("Agreement template")
        MINUTES_TEMPLATE = "MINUTES_TEMPLATE", _("Minutes template")
        DETERMINATION = "DETERMINATION", _("Determination")
        STUDY = "STUDY", _("Study")
        SLIDES = "SLIDES", _("Slides")
        OTHER = "OTHER", _("Other")

    class Licence(models.TextChoices):
        CC_BY_4 = "CC-BY-4.0", _("Creative Commons Attribution 4.0 (CC BY 4.0)")
        CC_BY_SA_4 = "CC-BY-SA-4.0", _("Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)")
        CC0 = "CC0-1.0", _("Public domain dedication (CC0 1.0)")
        ALL_RIGHTS = "ALL-RIGHTS-RESERVED", _("All rights reserved")

    TEMPLATE_KINDS = (Kind.CALL_TEMPLATE, Kind.AGREEMENT_TEMPLATE, Kind.MINUTES_TEMPLATE)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="documents")
    licence = models.CharField(
        _("licence"), max_length=24, choices=Licence, default=Licence.CC_BY_4
    )
    text = models.TextField(
        _("template text"),
        blank=True,
        max_length=100_000,
        help_text=_("For templates: the text a new call or agreement starts from."),
    )
    author = models.ForeignKey(
        Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.ForeignKey(
        Organization,
        verbose_name=_("body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("library document")
        verbose_name_plural = _("library documents")
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("practices:document", args=[self.pk])

    @property
    def is_template(self) -> bool:
        return self.kind in self.TEMPLATE_KINDS


def document_path(version, filename):
    return f"library/{version.document_id}/{version.number}/{filename}"


class DocumentVersion(models.Model):
    """One file of a document: a new upload is a new version; earlier ones stay downloadable."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=300)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"))
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="library_version_once")
        ]

    def __str__(self):
        return f"{self.document} · v{self.number}"

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


# --- practice sheets ------------------------------------------------------------------------


class Phase(models.TextChoices):
    CO_PROGRAMMING = "co_programming", _("Co-programming")
    CO_DESIGN = "co_design", _("Co-design")
    CO_PRODUCTION = "co_production", _("Co-production")
    INSTITUTIONAL_PARTNERSHIP = "institutional_partnership", _("Institutional partnership")


class PracticeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Practice.Status.PUBLISHED)

    def visible_to(self, user, *, org_ids=frozenset()):
        """Published sheets for everyone; drafts for their authors (members of an actor)."""
        if not org_ids:
            return self.published()
        actor = PracticeActor.objects.filter(practice=OuterRef("pk"), organization_id__in=org_ids)
        return self.filter(Q(status=Practice.Status.PUBLISHED) | Exists(actor))

    def for_list(self):
        return self.select_related("region", "program").order_by("-updated_at", "-pk")

    def filtered(self, *, region=None, phase="", area=""):
        qs = self
        if region is not None:
            qs = qs.filter(region=region)
        if phase in Phase.values:
            qs = qs.filter(**{phase: True})
        if area:
            qs = qs.filter(area=area)
        return qs


class Practice(models.Model):
    """A structured case study of shared administration in one territory."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        PUBLISHED = "PUBLISHED", _("Published")

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    year_from = models.PositiveSmallIntegerField(_("first year"))
    year_to = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    area = models.CharField(_("area"), max_length=16, choices=Area, default=Area.SOCIAL_WELFARE)
    co_programming = models.BooleanField(_("co-programming"), default=False)
    co_design = models.BooleanField(_("co-design"), default=False)
    co_production = models.BooleanField(_("co-production"), default=False)
    institutional_partnership = models.BooleanField(_("institutional partnership"), default=False)
    program = models.ForeignKey(
        Program,
        verbose_name=_("program on Trama"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resources = models.TextField(_("resources"), max_length=4000, blank=True)
    declared_public = models.DecimalField(
        _("public resources (declared)"), null=True, blank=True, **AMOUNT
    )
    declared_additional = models.DecimalField(
        _("additional resources (declared)"), null=True, blank=True, **AMOUNT
    )
    declared_source = models.CharField(
        _("source of the declared figures"), max_length=300, blank=True
    )
    worked = models.TextField(_("what worked"), max_length=8000, blank=True)
    did_not_work = models.TextField(_("what didn't work"), max_length=8000, blank=True)
    contacts = models.TextField(_("contacts"), max_length=2000, blank=True)
    documents = models.ManyToManyField(
        Document, verbose_name=_("documents from the library"), blank=True, related_name="practices"
    )
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("practice sheet")
        verbose_name_plural = _("practice sheets")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_to__isnull=True) | Q(year_to__gte=models.F("year_from")),
                name="practice_years_ordered",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("practices:practice", args=[self.pk])

    @property
    def phases(self) -> list[str]:
        return [p for p in Phase.values if getattr(self, p)]

    @property
    def phase_labels(self) -> list[str]:
        return [label for value, label in Phase.choices if getattr(self, value)]

    @property
    def territory_label(self) -> str:
        if self.territory:
            return self.territory
        if self.municipality_id:
            return self.municipality.name
        return self.region.name if self.region_id else ""

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class PracticeActor(models.Model):
    """A body involved in a practice: an organisation on Trama, or one only named."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="actors")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | ~Q(name=""),
                name="practice_actor_named",
            )
        ]

    def __str__(self):
        return self.organization.name if self.organization_id else self.name


class PracticeVersion(models.Model):
    """What a sheet said after one save, and who saved it."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    author = models.ForeignKey(
        Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saved at"))
    data = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="practice_version_once")
        ]

    def __str__(self):
        return f"{self.practice} · v{self.number}"


class PracticeComment(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("written at"))
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.practice} · {self.author}"
