"""Issuing a version of the agreement, its signatures, its coming into force and its start.

A version is issued by the RUP (at the table, or as an amendment with a reason): its
content is frozen and its PDF rendered once and identified by its SHA-256. Each active
party uploads its digitally signed copy of that PDF; when the last one has signed, the
version is in force: its plan lines become ledger pledges (replacing the proposals' pledges
the first time, and the changed pledges of the previous version after an amendment).
"""

import datetime
import hashlib
import secrets
from collections import defaultdict
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.ledger.models import LedgerEntry, ReferenceRate
from trama.ledger.services import record_entry, reverse_entry
from trama.ledger.vocabulary import Source
from trama.lib.signatures import SignatureError, verify_signed_copy
from trama.notifications.models import Kind, Notification
from trama.notifications.services import notify
from trama.organizations.models import Membership, Organization
from trama.procedures.models import Adoption, Procedure
from trama.procedures.services import cancel_procedure
from trama.procedures.services.base import check_actor, event, locked
from trama.procedures.services.notify import notify_admins
from trama.procedures.workflow import CLOCK, RUP, check_act, check_transition

from .. import signals
from ..content import render_pdf, snapshot
from ..models import (
    Agreement,
    AgreementPledge,
    AgreementVersion,
    Party,
    SignedCopy,
)
from ..publication import check_publishable

State = Procedure.State
MAX_SIGNED_BYTES = 30 * 1024 * 1024
SIGNED_EXTENSIONS = {"p7m", "pdf"}


def agreement_path(agreement) -> str:
    return reverse("agreements:agreement", args=[agreement.pk])


def current_version(agreement: Agreement) -> AgreementVersion | None:
    """The latest issued version: awaiting signatures unless it is the one in force."""
    return agreement.versions.order_by("-number").first()


def pending_version(agreement: Agreement) -> AgreementVersion | None:
    version = current_version(agreement)
    return version if version is not None and version.in_force_at is None else None


def missing_signatures(version: AgreementVersion) -> list[Party]:
    """The active parties that have not signed `version` yet."""
    signed = SignedCopy.objects.filter(version=version, party=OuterRef("pk"))
    return list(
        version.agreement.parties.filter(active=True)
        .annotate(signed=Exists(signed))
        .filter(signed=False)
        .select_related("organization")
    )


# --- issuing ------------------------------------------------------------------------------


def issue_problems(agreement: Agreement) -> list[str]:
    """What must be completed before a version can be issued (empty: ready)."""
    problems = []
    parties = list(agreement.parties.filter(active=True).select_related("organization"))
    for party in parties:
        if not party.representative_name.strip():
            problems.append(
                _("Name the legal representative of %(party)s.") % {"party": party.organization}
            )
        if party.receives_public_money and not all(
            (party.legal_basis, party.office, party.official, party.selection_method)
        ):
            problems.append(
                _("Complete the art. 27 data (D.Lgs. 33/2013) of %(party)s.")
                % {"party": party.organization}
            )
    if len(parties) < 2:
        problems.append(_("The agreement needs at least one party besides the public body."))
    periods = list(agreement.periods.all())
    if not periods:
        problems.append(_("Set the reporting calendar."))
    elif not periods[-1].is_final:
        problems.append(_("The last reporting period must be the final report."))
    lines = list(agreement.procedure.plan_lines.all())
    members = {p.organization_id for p in parties}
    if not lines:
        problems.append(_("The budget plan is empty."))
    elif any(line.contributor_id not in members for line in lines):
        problems.append(_("The budget plan has lines of bodies that are not parties: remove them."))
    public = sum(
        (line.amount for line in lines if line.source == Source.PUBLIC_OWNER), Decimal("0")
    )
    tranches = sum((t.amount for t in agreement.tranches.all()), Decimal("0"))
    if tranches > public:
        problems.append(_("The tranches add up to more than the public contribution in the plan."))
    return problems


def issue_agreement(agreement: Agreement, by, reason: str = "") -> AgreementVersion:
    """The RUP issues a version: content frozen, PDF rendered once, parties asked to sign.

    At the table it replaces a version not yet signed by all; once the agreement is in
    force it is an amendment, with its reason, signed again by every party.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        check_actor(procedure, by, RUP)
        amending = procedure.state != State.TABLE
        if amending:
            check_act(
                procedure,
                "amend_agreement",
                _("An agreement is amended while it is in force, not after it has ended."),
            )
            if not reason:
                raise ValidationError({"reason": _("Say why the agreement is amended.")})
        else:
            check_act(procedure, "issue_agreement", _("The agreement is issued at the table."))
            if not Adoption.objects.filter(procedure=procedure).exists():
                raise ValidationError(_("The shared project must be adopted first."))
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        agreement.procedure = procedure
        problems = issue_problems(agreement)
        if problems:
            raise ValidationError(problems, code="incomplete")
        number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        content = snapshot(agreement, number=number, reason=reason)
        now = timezone.now()
        pdf = render_pdf(content, issued_at=now)
        version = AgreementVersion(
            agreement=agreement,
            number=number,
            reason=reason,
            content=content,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            issued_by=by,
        )
        version.pdf.save(f"v{number}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
        try:
            version.save()
            event(
                procedure,
                "agreement.amendment_issued" if amending else "agreement.issued",
                by=by,
                target=version,
                number=number,
                sha256=version.pdf_sha256,
                reason=reason,
            )
            _ask_to_sign(agreement, version, procedure)
        except Exception:
            version.pdf.delete(save=False)
            raise
    return version


def _ask_to_sign(agreement, version, procedure, parties=None) -> list:
    told = []
    for party in parties or agreement.parties.filter(active=True).select_related("organization"):
        told += notify_admins(
            party.organization,
            Kind.AGREEMENT_TO_SIGN,
            template="agreements/email/to_sign",
            context={
                "procedure": procedure,
                "version": version,
                "parties": party.organization.name,
            },
            path=agreement_path(agreement),
        )
    return told


# --- signing ------------------------------------------------------------------------------


def check_signer(party: Party, by) -> None:
    """A party's signed copy is uploaded by one of its administrators."""
    if not Membership.objects.filter(
        user=by, organization_id=party.organization_id, role=Membership.Role.ADMIN
    ).exists():
        raise PermissionDenied(
            _("Only an administrator of %(party)s can upload its signed copy.")
            % {"party": party.organization}
        )


def sign_agreement(version: AgreementVersion, *, party: Party, by, upload) -> SignedCopy:
    """A party uploads its digitally signed copy of the version; verified before anything
    is kept. The last signature brings the version into force."""
    check_signer(party, by)
    name = PurePath(upload.name or "").name[:255] or "firmato.p7m"
    if PurePath(name).suffix.lower().lstrip(".") not in SIGNED_EXTENSIONS:
        raise ValidationError(
            {"file": ValidationError(_("Upload the signed .p7m or PDF file."), code="file_type")}
        )
    if upload.size > MAX_SIGNED_BYTES:
        raise ValidationError(
            {"file": ValidationError(_("The file is larger than 30 MB."), code="file_too_large")}
        )
    data = b"".join(upload.chunks())
    with version.pdf.open("rb") as stored:
        expected = stored.read()
    try:
        signers = verify_signed_copy(data, expected)
    except SignatureError as exc:
        raise ValidationError({"file": ValidationError(str(exc.message), code=exc.code)}) from None
    representative = party.representative_tax_code.strip().upper()
    rows = [
        {
            "name": s.name,
            "tax_code": s.tax_code,
            "signed_at": s.signed_at.isoformat() if s.signed_at else None,
            "certificate_sha256": s.certificate_sha256,
        }
        for s in signers
    ]
    copy = SignedCopy(
        version=version,
        party=party,
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        signers=rows,
        signer_is_representative=bool(representative)
        and any((s.tax_code or "").upper() == representative for s in signers),
        uploaded_by=by,
    )
    copy.file.save(
        f"{secrets.token_hex(16)}{PurePath(name).suffix.lower()}", ContentFile(data), save=False
    )
    try:
        with transaction.atomic():
            procedure = locked(version.agreement.procedure)
            check_act(procedure, "sign_agreement", _("The agreement can't be signed now."))
            version = AgreementVersion.objects.select_related("agreement").get(pk=version.pk)
            latest = current_version(version.agreement)
            if latest.pk != version.pk or version.in_force_at is not None:
                raise ValidationError(
                    _("A newer version has been issued: sign that one."), code="version_replaced"
                )
            party = Party.objects.get(pk=party.pk)
            if party.agreement_id != version.agreement_id or not party.active:
                raise PermissionDenied(_("This body is not a party to this version."))
            try:
                with transaction.atomic():
                    copy.save()
            except IntegrityError:
                raise ValidationError(
                    _("%(party)s has already signed this version.") % {"party": party.organization},
                    code="already_signed",
                ) from None
            event(
                procedure,
                "agreement.signed",
                by=by,
                target=copy,
                version=version.number,
                party=party.organization_id,
                sha256=copy.sha256,
                signers=[s["tax_code"] for s in rows],
                representative=copy.signer_is_representative,
            )
            if not missing_signatures(version):
                _come_into_force(version, procedure, by)
    except Exception:
        copy.file.delete(save=False)
        raise
    return copy


def _current_pledges(agreement) -> dict[str, list[AgreementPledge]]:
    """The agreement's pledges not reversed, by key."""
    reversed_ = LedgerEntry.objects.filter(reverses=OuterRef("entry"))
    pledges = defaultdict(list)
    rows = (
        AgreementPledge.objects.filter(version__agreement=agreement)
        .annotate(gone=Exists(reversed_))
        .filter(gone=False)
        .select_related("entry")
        .order_by("pk")
    )
    for row in rows:
        pledges[row.key].append(row)
    return pledges


def _signature(item: dict) -> tuple:
    return tuple(
        str(item.get(name) or "")
        for name in (
            "amount",
            "quantity",
            "unit",
            "unit_value",
            "rate",
            "grant_reference",
            "description",
        )
    )


def _entry_signature(entry: LedgerEntry) -> tuple:
    return tuple(
        "" if value is None else str(value)
        for value in (
            entry.amount,
            entry.quantity,
            entry.unit or "",
            entry.unit_value,
            entry.rate_id,
            entry.grant_reference,
            entry.description,
        )
    )


def _come_into_force(version: AgreementVersion, procedure, by) -> None:
    """Every party has signed: the version is in force and its plan becomes the pledges."""
    agreement = Agreement.objects.select_for_update().get(pk=version.agreement_id)
    now = timezone.now()
    first = procedure.state == State.TABLE
    if first:
        check_transition(procedure, State.AGREED)
        procedure.state = State.AGREED
        procedure.save(update_fields=["state"])
        agreement.signed_at = now
    agreement.in_force = version
    agreement.save(update_fields=["in_force", "signed_at"])
    version.in_force_at = now
    version.save(update_fields=["in_force_at"])
    program = procedure.program
    reason = _("agreement") if first else _("amendment (version %(n)s)") % {"n": version.number}
    if first:
        # The proposals' pledges recorded at the ranking: the agreement's plan refines them.
        linked = AgreementPledge.objects.values("entry_id")
        for entry in (
            LedgerEntry.objects.filter(procedure=procedure, kind="PLEDGE", reverses__isnull=True)
            .exclude(Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk"))))
            .exclude(pk__in=linked)
            .order_by("pk")
        ):
            reverse_entry(entry, by=by, reason=reason, check_permission=False)
    old = _current_pledges(agreement)
    new = defaultdict(list)
    for item in version.content["plan"]:
        new[item["key"]].append(item)
    orgs = {}
    rates = {
        r.pk: r
        for r in ReferenceRate.objects.filter(
            pk__in=[i["rate"] for i in version.content["plan"] if i["rate"]]
        )
    }
    recorded = reversed_count = 0
    for key in sorted(set(old) | set(new)):
        before = sorted(_entry_signature(p.entry) for p in old.get(key, []))
        after = sorted(_signature({**i, "rate": i["rate"] or ""}) for i in new.get(key, []))
        if before == after:
            continue  # unchanged: the pledges stand as they are
        for pledge in old.get(key, []):
            reverse_entry(pledge.entry, by=by, reason=reason, check_permission=False)
            reversed_count += 1
        for item in new.get(key, []):
            contributor = orgs.get(item["contributor"]) or _org(item["contributor"])
            orgs[item["contributor"]] = contributor
            fields = {}
            if item["quantity"] is not None:
                fields = {
                    "quantity": Decimal(item["quantity"]),
                    "unit": item["unit"],
                    "unit_value": None if item["rate"] else Decimal(item["unit_value"]),
                    "rate": rates.get(item["rate"]),
                }
            else:
                fields = {"amount": Decimal(item["amount"])}
            entry = record_entry(
                by=by,
                program=program,
                contributor=contributor,
                check_permission=False,
                kind="PLEDGE",
                source=item["source"],
                category=item["category"],
                year=item["year"],
                description=item["description"],
                funder=_org(item["funder"]) if item["funder"] else None,
                grant_reference=item["grant_reference"],
                procedure=procedure,
                **fields,
            )
            AgreementPledge.objects.create(version=version, key=key, entry=entry)
            recorded += 1
    if first:
        signals.agreement_signed.send(sender=Agreement, agreement=agreement, by=by)
    event(
        procedure,
        "agreement.in_force",
        by=by,
        target=version,
        public=True,
        number=version.number,
        pledges=recorded,
        reversed=reversed_count,
    )


def _org(pk):
    return Organization.objects.get(pk=pk)


# --- after signing ------------------------------------------------------------------------


def start_due_agreements(today: datetime.date | None = None) -> int:
    """AGREED → IN_PROGRESS on the agreement's start date (the scheduler; idempotent)."""
    today = today or timezone.localdate()
    started = 0
    due = Agreement.objects.filter(procedure__state=State.AGREED, starts_on__lte=today).values_list(
        "procedure_id", flat=True
    )
    for procedure_id in due:
        with transaction.atomic():
            procedure = locked(Procedure(pk=procedure_id))
            if procedure.state != State.AGREED:
                continue
            if check_transition(procedure, State.IN_PROGRESS) != CLOCK:
                continue
            procedure.state = State.IN_PROGRESS
            procedure.save(update_fields=["state"])
            event(procedure, "procedure.started", target=procedure, public=True, on=str(today))
            started += 1
    return started


def remind_signatures(now=None) -> int:
    """Remind the administrators of the parties that have not signed a version issued more
    than a day ago, each person at most once a day (a request to sign in their inbox since
    counts). Returns how many people were reminded."""
    now = now or timezone.now()
    since = now - datetime.timedelta(hours=20)
    reminded = 0
    versions = AgreementVersion.objects.filter(
        in_force_at__isnull=True,
        issued_at__lte=now - datetime.timedelta(days=1),
        agreement__procedure__state__in=[State.TABLE, State.AGREED, State.IN_PROGRESS],
    ).select_related("agreement__procedure")
    for version in versions:
        if current_version(version.agreement).pk != version.pk:
            continue
        path = agreement_path(version.agreement)
        missing = missing_signatures(version)
        recent = set(
            Notification.objects.filter(
                kind=Kind.AGREEMENT_TO_SIGN, path=path, created_at__gte=since
            ).values_list("recipient_id", flat=True)
        )
        people, bodies = {}, {}
        for membership in Membership.objects.filter(
            organization__in=[p.organization_id for p in missing],
            role=Membership.Role.ADMIN,
            user__is_active=True,
        ).select_related("user", "organization"):
            if membership.user_id in recent:
                continue
            people[membership.user_id] = membership.user
            bodies.setdefault(membership.user_id, []).append(membership.organization.name)
        with transaction.atomic():
            for user_id, user in people.items():
                notify(
                    [user],
                    Kind.AGREEMENT_TO_SIGN,
                    template="agreements/email/to_sign",
                    context={
                        "procedure": version.agreement.procedure,
                        "version": version,
                        "parties": ", ".join(bodies[user_id]),
                    },
                    path=path,
                )
                reminded += 1
    return reminded


def mark_published(party: Party, *, by) -> Party:
    """The RUP records that the contribution to this party is published (art. 27 D.Lgs.
    33/2013): required before its first payment."""
    with transaction.atomic():
        procedure = locked(party.agreement.procedure)
        check_actor(procedure, by, RUP)
        party = (
            Party.objects.select_for_update(of=("self",))
            .select_related("agreement", "organization")
            .get(pk=party.pk)
        )
        if party.agreement.in_force_id is None:
            raise ValidationError(_("The contribution is published once the agreement is signed."))
        if not party.receives_public_money:
            raise ValidationError(_("This party receives no public money."))
        if party.published_at is not None:
            raise ValidationError(_("Already marked as published."), code="already_published")
        check_publishable(party)
        party.published_at = timezone.now()
        party.save(update_fields=["published_at"])
        event(procedure, "agreement.contribution_published", by=by, target=party, public=True)
    return party


def cancel_at_table(agreement: Agreement, *, by, reason: str) -> Procedure:
    """Before every party has signed, the RUP may cancel the procedure (TABLE → CANCELLED,
    the procedures' own service: the proposals' pledges, never realised, are reversed)."""
    if agreement.procedure.state != State.TABLE:
        raise ValidationError(_("Only a procedure at the co-design table is cancelled here."))
    return cancel_procedure(agreement.procedure, by=by, reason=reason)
