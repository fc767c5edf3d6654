import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trama.territories.models import Municipality

from .validators import (
    normalize_tax_code,
    validate_ipa_code,
    validate_tax_code,
    validate_vat_number,
)


class OrganizationQuerySet(models.QuerySet):
    def named(self, texts) -> dict:
        """{text: organisation} for each text that is a body's tax code (as typed: spaces and
        case don't matter) or short name, read in one query; texts naming none are absent."""
        texts = {t.strip() for t in texts if t and t.strip()}
        if not texts:
            return {}
        codes = {normalize_tax_code(t): t for t in texts}
        slugs = {t.lower(): t for t in texts}
        found = {}
        for org in self.filter(Q(tax_code__in=codes) | Q(slug__in=slugs)):
            for text in (codes.get(org.tax_code), slugs.get(org.slug)):
                if text is not None:
                    found[text] = org
        return found

    def verified(self):
        return self.filter(verified_at__isnull=False)

    def acting_as_public_body(self):
        """The queryset form of `Organization.can_act_as_public_body`: verified public bodies."""
        return self.verified().filter(kind=Organization.Kind.PUBLIC_BODY)

    def with_member(self, user):
        """The organisations the user is a member of."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def administered_by(self, user):
        """The organisations the user is an administrator of."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role="ADMIN")

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(tax_code=text.upper()))

    def in_territory(self, *, region=None, province=None):
        qs = self
        if region:
            qs = qs.filter(municipality__province__region=region)
        if province:
            qs = qs.filter(municipality__province=province)
        return qs

    def for_directory(self):
        return self.select_related("municipality__province__region").order_by("name")


class Organization(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_BODY = "PUBLIC_BODY", _("Public body")
        THIRD_SECTOR = "THIRD_SECTOR", _("Third-Sector entity")
        FUNDER = "FUNDER", _("Funder")
        OTHER = "OTHER", _("Other")

    class PublicBodyType(models.TextChoices):
        MUNICIPALITY = "MUNICIPALITY", _("Municipality")
        AMBITO = "AMBITO", _("Social district (ambito)")
        PROVINCE = "PROVINCE", _("Province or metropolitan city")
        REGION = "REGION", _("Region")
        HEALTH = "HEALTH", _("Health authority (ASL/ATS)")
        OTHER = "OTHER", _("Other public body")

    class LegalForm(models.TextChoices):
        PUBLIC_ENTITY = "PUBLIC_ENTITY", _("Public administration")
        SOCIAL_COOPERATIVE = "SOCIAL_COOPERATIVE", _("Social cooperative")
        CONSORTIUM = "CONSORTIUM", _("Consortium of social cooperatives")
        ASSOCIATION = "ASSOCIATION", _("Association")
        FOUNDATION = "FOUNDATION", _("Foundation")
        SOCIAL_ENTERPRISE = "SOCIAL_ENTERPRISE", _("Social enterprise")
        COMPANY = "COMPANY", _("Company")
        OTHER = "OTHER", _("Other")

    class RuntsSection(models.TextChoices):
        ODV = "ODV", _("a) Voluntary organisations (ODV)")
        APS = "APS", _("b) Social promotion associations (APS)")
        PHILANTHROPIC = "EF", _("c) Philanthropic entities")
        SOCIAL_ENTERPRISE = "IS", _("d) Social enterprises, incl. social cooperatives")
        NETWORK = "RA", _("e) Associative networks")
        MUTUAL_AID = "SMS", _("f) Mutual aid societies")
        OTHER = "ALTRI", _("g) Other Third-Sector entities")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    public_body_type = models.CharField(
        _("type of public body"), max_length=16, choices=PublicBodyType, blank=True
    )
    legal_form = models.CharField(_("legal form"), max_length=24, choices=LegalForm)
    tax_code = models.CharField(
        _("tax code"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_tax_code],
        help_text=_("Codice fiscale; a social district (ambito) may have none."),
    )
    ipa_code = models.CharField(
        _("IPA code"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_ipa_code],
        help_text=_(
            "The body's code in IndicePA (codice iPA, e.g. c_e507), for public bodies: the "
            "open-data catalogue names the publisher of the body's datasets with it. A body "
            "without it is listed with its tax code instead."
        ),
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=11, blank=True, validators=[validate_vat_number]
    )
    runts_number = models.CharField(_("RUNTS number"), max_length=30, blank=True)
    runts_section = models.CharField(
        _("RUNTS section"), max_length=8, choices=RuntsSection, blank=True
    )
    pec = models.EmailField(_("certified e-mail (PEC)"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    lead_municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("lead municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_ambiti",
        help_text=_("For a social district (ambito): its lead municipality."),
    )
    member_municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("member municipalities"), blank=True, related_name="ambiti"
    )
    description = models.TextField(_("description"), blank=True)
    require_2fa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Members must set up an authenticator app before using Trama."),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="PUBLIC_BODY") | Q(public_body_type=""),
                name="organization_public_body_type_only_for_public_bodies",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:detail", args=[self.slug])

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_public_body(self) -> bool:
        return self.kind == self.Kind.PUBLIC_BODY

    @property
    def is_natural_person(self) -> bool:
        """A body registered under a person's codice fiscale (16 characters, not 11 digits):
        a sole trader, say. What is published about it is published about that person."""
        return len(self.tax_code or "") == 16

    @property
    def can_act_as_public_body(self) -> bool:
        """Only a verified public body may publish calls or verify resources."""
        return self.is_public_body and self.is_verified


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "ADMIN", _("Administrator")
        MEMBER = "MEMBER", _("Member")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=8, choices=Role, default=Role.MEMBER)
    # Since when the person belongs to the body: set once by the database write that adds
    # them, never edited (a role change keeps it; leaving and coming back starts anew).
    # Sealing compares it with a proposal's submission (procedures.access.member_reads).
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An e-mail invitation to join an organisation; the link carries a secret token."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=8, choices=Membership.Role, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_pending(self) -> bool:
        return not self.accepted_at and not self.revoked_at and self.expires_at > timezone.now()


class OrganizationClaim(models.Model):
    """A request to join an organisation whose tax code is already on Trama; staff decide."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        APPROVED = "APPROVED", _("Approved")
        REJECTED = "REJECTED", _("Rejected")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message to the platform staff"))
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("organisation claim")
        verbose_name_plural = _("organisation claims")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(status="PENDING"),
                name="claim_one_pending_per_user",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organization} ({self.status})"


class ShareAct(models.Model):
    """A dated act that sets the whole table of an entity's member bodies and their shares.

    An institutional partnership (a social enterprise, a participation foundation, a
    consortium, a company with public participation) is an organisation whose members hold
    shares. Each act — the constitution, an admission, an exit, a transfer, a capital
    increase — sets the full table, which sums to 100 %; the table in force at a date is
    that of the latest act up to that date. A wrong act is never edited: a later act of
    kind ANNULMENT names it, and it stops counting (`shares.table_on`).
    """

    class Kind(models.TextChoices):
        CONSTITUTION = "CONSTITUTION", _("Constitution")
        ADMISSION = "ADMISSION", _("Admission of members")
        EXIT = "EXIT", _("Exit of members")
        TRANSFER = "TRANSFER", _("Transfer of shares")
        CAPITAL_INCREASE = "CAPITAL_INCREASE", _("Capital increase")
        ANNULMENT = "ANNULMENT", _("Annulment of an act")

    entity = models.ForeignKey(
        Organization, verbose_name=_("entity"), on_delete=models.PROTECT, related_name="share_acts"
    )
    kind = models.CharField(_("kind of act"), max_length=16, choices=Kind)
    date = models.DateField(_("date of the act"))
    reference = models.CharField(
        _("reference"), max_length=150, blank=True, help_text=_("Deed, resolution or register.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    annuls = models.OneToOneField(
        "self",
        verbose_name=_("annuls"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annulled_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("share act")
        verbose_name_plural = _("share acts")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="ANNULMENT", annuls__isnull=False)
                | (~Q(kind="ANNULMENT") & Q(annuls__isnull=True)),
                name="share_act_annulment_names_an_act",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.date:%d/%m/%Y})"


class Shareholding(models.Model):
    """One member body's share in the table an act sets."""

    act = models.ForeignKey(ShareAct, on_delete=models.PROTECT, related_name="holdings")
    member = models.ForeignKey(
        Organization, verbose_name=_("member"), on_delete=models.PROTECT, related_name="holdings"
    )
    share = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("shareholding")
        verbose_name_plural = _("shareholdings")
        ordering = ["-share", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["act", "member"], name="shareholding_once_per_act"),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=100), name="shareholding_share_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.share} %"
