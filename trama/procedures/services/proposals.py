"""A partnership's proposal: draft, partners' confirmations, budget plan, files, submission."""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.ledger.services import check_pledge
from trama.ledger.vocabulary import ADDITIONAL_SOURCES
from trama.lib.files import sha256_of
from trama.lib.numbers import AMOUNT, QUANTITY, UNIT_VALUE, clean_number, format_number
from trama.notifications.models import Kind
from trama.notifications.services import notify
from trama.organizations.access import is_admin, membership_of
from trama.organizations.models import Membership, Organization

from ..access import member_reads
from ..models import (
    BudgetLine,
    DocumentRequest,
    Procedure,
    Proposal,
    ProposalFile,
    ProposalPartner,
    ProposalSection,
    Receipt,
)
from .base import event
from .notify import notify_partner_invited, proposal_path
from .uploads import check_upload

State = Proposal.State


def _check_eligible(procedure: Procedure, organization: Organization, *, lead: bool) -> None:
    """ETS registered in RUNTS by default; non-ETS bodies as partners where the call says so."""
    is_ets = organization.kind == Organization.Kind.THIRD_SECTOR and organization.runts_number
    if is_ets:
        return
    if not lead and procedure.non_ets_partners and organization.kind != "PUBLIC_BODY":
        return
    if lead:
        raise ValidationError(
            _("The lead body must be a Third-Sector body registered in RUNTS."), code="not_eligible"
        )
    raise ValidationError(
        _(
            "%(name)s is not a Third-Sector body registered in RUNTS, and this call admits only those."
        )
        % {"name": organization.name},
        code="not_eligible",
    )


def _eligible_partners(procedure: Procedure):
    """`_check_eligible` for partners, as a queryset: the bodies a lead may invite."""
    eligible = Q(kind=Organization.Kind.THIRD_SECTOR) & ~Q(runts_number="")
    if procedure.non_ets_partners:
        eligible |= ~Q(kind=Organization.Kind.PUBLIC_BODY)
    return Organization.objects.filter(eligible)


PARTNER_CANDIDATES = 10


def partner_candidates(proposal: Proposal, text: str) -> list[Organization]:
    """Bodies the lead may invite, found by name or tax code (at least 3 characters).

    By name, only bodies verified by the platform staff: a look-alike registered by anyone
    is never offered. A full tax code finds any registered body, as the directory does.
    """
    text = (text or "").strip()
    if len(text) < 3:
        return []
    found = _eligible_partners(proposal.procedure).exclude(
        pk__in=proposal.partners.values("organization")
    )
    by_code = Q(tax_code=text.upper())
    by_name = Q(verified_at__isnull=False) & (
        Q(name__icontains=text) | Q(tax_code__startswith=text.upper())
    )
    return list(
        found.filter(by_code | by_name)
        .select_related("municipality")
        .order_by("name")[:PARTNER_CANDIDATES]
    )


def partners_without_admin(proposal: Proposal) -> set[int]:
    """Ids of the partner bodies no one administers on Trama: nobody can confirm for them."""
    partner_ids = proposal.partners.values("organization")
    administered = Membership.objects.filter(
        organization__in=partner_ids, role=Membership.Role.ADMIN
    ).values("organization")
    return set(
        Organization.objects.filter(pk__in=partner_ids)
        .exclude(pk__in=administered)
        .values_list("pk", flat=True)
    )


def _proposal_event(proposal: Proposal, action: str, *, by, target=None, **data) -> None:
    """A draft's own trail: ids only, never content, so it can't unseal anything."""
    record_event(chain_for(proposal), action, by=by, target=target, data=data)


def _check_open(procedure: Procedure, now=None) -> None:
    if procedure.kind != Procedure.Kind.CO_DESIGN or procedure.state != Procedure.State.PUBLISHED:
        raise ValidationError(_("This call does not accept proposals."), code="call_not_open")
    if procedure.deadline_passed(now):
        raise ValidationError(_("The deadline for proposals has passed."), code="deadline_passed")


def _locked_draft(proposal: Proposal, by) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("procedure").get(pk=proposal.pk)
    if not is_admin(by, proposal.lead_id):
        raise PermissionDenied(_("Only the lead body's administrators can change the proposal."))
    if proposal.state != State.DRAFT:
        raise ValidationError(
            _("A submitted proposal cannot be changed; start a new version."), code="not_a_draft"
        )
    _check_open(proposal.procedure)
    return proposal


def start_proposal(procedure: Procedure, *, by, lead: Organization, title: str) -> Proposal:
    """Start a draft for a lead body; its administrator is the first partner, confirmed."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the proposal a title.")})
    if not is_admin(by, lead.pk):
        raise PermissionDenied(_("Only the lead body's administrators can start a proposal."))
    _check_eligible(procedure, lead, lead=True)
    now = timezone.now()
    try:
        with transaction.atomic():
            procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
            _check_open(procedure)
            # A fresh draft beside a submitted proposal is a new version of it.
            previous = Proposal.objects.filter(
                procedure=procedure, lead=lead, state=State.SUBMITTED
            ).first()
            proposal = Proposal.objects.create(
                procedure=procedure,
                lead=lead,
                title=title,
                created_by=by,
                replaces=previous,
                version=previous.version + 1 if previous else 1,
            )
            ProposalPartner.objects.create(
                proposal=proposal,
                organization=lead,
                role=ProposalPartner.Role.LEAD,
                confirmed_at=now,
                confirmed_by=by,
            )
            proposal.sections.bulk_create(
                ProposalSection(proposal=proposal, criterion=criterion)
                for criterion in procedure.criteria.all()
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already has a proposal for this call: open it or start a new version.")
            % {"name": lead.name}
        ) from None
    return proposal


def update_proposal(proposal: Proposal, *, by, title=None, sections=None, budget_total=None):
    """Save a draft's title, section texts ({criterion_id: text}) and declared budget total."""
    with transaction.atomic():
        proposal = _locked_draft(proposal, by)
        if title is not None:
            if not title.strip():
                raise ValidationError({"title": _("Give the proposal a title.")})
            proposal.title = title.strip()
        if budget_total is not None:
            proposal.budget_total = clean_number(budget_total, AMOUNT, "budget_total")
        proposal.save(update_fields=["title", "budget_total"])
        for section in proposal.sections.filter(criterion_id__in=list(sections or {})):
            section.text = sections[section.criterion_id].strip()
            section.save(update_fields=["text"])
    return proposal


def invite_partner(proposal: Proposal, *, by, organization: Organization) -> ProposalPartner:
    """Add a body to the partnership; its administrators confirm on Trama."""
    with transaction.atomic():
        proposal = _locked_draft(proposal, by)
        _check_eligible(proposal.procedure, organization, lead=False)
        partner, created = ProposalPartner.objects.get_or_create(
            proposal=proposal, organization=organization
        )
        if not created:
            raise ValidationError(
                _("%(name)s is already in the partnership.") % {"name": organization.name},
                code="already_partner",
            )
        notify_partner_invited(proposal, organization)
    return partner


def confirm_participation(partner: ProposalPartner, *, by) -> ProposalPartner:
    """A partner's administrator confirms the body takes part in the proposal."""
    with transaction.atomic():
        partner = (
            ProposalPartner.objects.select_for_update()
            .select_related("proposal__procedure", "organization")
            .get(pk=partner.pk)
        )
        if not is_admin(by, partner.organization_id):
            raise PermissionDenied(_("Only the partner's administrators can confirm."))
        if partner.proposal.state != State.DRAFT:
            raise ValidationError(_("This proposal is no longer a draft."), code="not_a_draft")
        _check_open(partner.proposal.procedure)
        if partner.confirmed_at is None:
            partner.confirmed_at = timezone.now()
            partner.confirmed_by = by
            partner.save(update_fields=["confirmed_at", "confirmed_by"])
    return partner


def remove_partner(partner: ProposalPartner, *, by) -> int:
    """Take a body out of a draft's partnership, with the lines it pledged; returns how many."""
    with transaction.atomic():
        proposal = _locked_draft(partner.proposal, by)
        partner = ProposalPartner.objects.filter(pk=partner.pk, proposal=proposal).first()
        if partner is None:
            raise ValidationError(_("This body is no longer in the partnership."))
        if partner.role == ProposalPartner.Role.LEAD:
            raise ValidationError(_("The lead body stays in its own proposal."), code="lead_stays")
        lines, _by_model = BudgetLine.objects.filter(
            proposal=proposal, contributor_id=partner.organization_id
        ).delete()
        partner.delete()
        _proposal_event(
            proposal,
            "proposal.partner_removed",
            by=by,
            organization=partner.organization_id,
            lines=lines,
        )
    return lines


def remove_budget_line(line: BudgetLine, *, by) -> None:
    """Take a line out of a draft's budget plan."""
    with transaction.atomic():
        proposal = _locked_draft(line.proposal, by)
        line = BudgetLine.objects.filter(pk=line.pk, proposal=proposal).first()
        if line is None:
            raise ValidationError(_("This line is no longer in the budget plan."))
        _proposal_event(
            proposal, "proposal.line_removed", by=by, line=line.pk, amount=str(line.amount)
        )
        line.delete()


def add_budget_line(
    proposal: Proposal,
    *,
    by,
    contributor,
    source,
    category,
    year,
    description,
    amount=None,
    quantity=None,
    unit_value=None,
    funder=None,
):
    """Add a partner's pledged resource to the plan: money, or in-kind quantity × unit value.

    The line becomes a ledger pledge when the proposal is selected, so it must be a valid
    pledge now (`check_pledge`, the ledger's own rules), as well as a partner's resource.
    """
    errors = {}

    def keep(exc: ValidationError) -> None:
        for field, field_errors in exc.error_dict.items():
            errors.setdefault(field, field_errors)

    with transaction.atomic():
        proposal = _locked_draft(proposal, by)
        procedure = proposal.procedure
        if not proposal.partners.filter(organization=contributor).exists():
            errors["contributor"] = ValidationError(
                _("Only a body of the partnership can pledge resources."), code="not_a_partner"
            )
        if source not in ADDITIONAL_SOURCES:
            errors["source"] = ValidationError(
                _("A partner brings own resources, a foundation grant or donations."),
                code="not_additional",
            )
        if not (description or "").strip():
            errors["description"] = ValidationError(_("Describe the resource."), code="required")
        if quantity is not None or unit_value is not None:
            if quantity is None or unit_value is None:
                errors["quantity"] = ValidationError(
                    _("An in-kind resource needs a quantity and a unit value."),
                    code="quantity_required",
                )
            else:
                try:
                    quantity = clean_number(quantity, QUANTITY, "quantity")
                    unit_value = clean_number(unit_value, UNIT_VALUE, "unit_value")
                    amount = (quantity * unit_value).quantize(Decimal("0.01"), ROUND_HALF_UP)
                except ValidationError as exc:
                    keep(exc)
                    amount = None
        if amount is None:
            errors.setdefault("amount", ValidationError(_("Give the amount."), code="required"))
        else:
            try:
                amount = check_pledge(
                    program=procedure.program,
                    contributor=contributor,
                    source=source,
                    category=category,
                    year=year,
                    amount=amount,
                    funder=funder,
                    procedure=procedure,
                    description=description,
                )
            except ValidationError as exc:
                keep(exc)
        if errors:
            raise ValidationError(errors)
        return BudgetLine.objects.create(
            proposal=proposal,
            contributor=contributor,
            source=source,
            category=category,
            year=year,
            description=description.strip(),
            quantity=quantity,
            unit_value=unit_value,
            amount=amount,
            funder=funder,
        )


def attach_file(proposal: Proposal, *, by, upload, request: DocumentRequest | None = None):
    """Attach a document to a draft, or to a submitted proposal on a request for documents."""
    content_type = check_upload(upload)
    now = timezone.now()
    with transaction.atomic():
        if request is None:
            proposal = _locked_draft(proposal, by)
            kind = ProposalFile.Kind.ATTACHMENT
        else:
            procedure = Procedure.objects.select_for_update().get(pk=proposal.procedure_id)
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
            if request.proposal_id != proposal.pk or not is_admin(by, proposal.lead_id):
                raise PermissionDenied(_("Only the lead body's administrators can answer."))
            if now > request.deadline:
                raise ValidationError(
                    _("The deadline of this request has passed."), code="deadline_passed"
                )
            if procedure.state != Procedure.State.EVALUATION or proposal.state != State.SUBMITTED:
                raise ValidationError(
                    _("Admission has been decided: no more documents."), code="admission_decided"
                )
            request.answered_at = now
            request.save(update_fields=["answered_at"])
            kind = ProposalFile.Kind.INTEGRATION
        name = PurePath(upload.name).name
        attached = ProposalFile(
            proposal=proposal,
            kind=kind,
            request=request,
            name=name[:200],
            size=upload.size,
            sha256=sha256_of(upload),
            content_type=content_type,
            uploaded_by=by,
        )
        attached.file.save(name, upload, save=False)
        attached.save()
        if request is not None:
            event(
                proposal.procedure,
                "proposal.documents_received",
                target=request,
                sha256=attached.sha256,
            )
    return attached


def remove_file(attached: ProposalFile, *, by) -> None:
    """Take a document out of a draft (the stored bytes stay: a submitted version may share
    them)."""
    with transaction.atomic():
        proposal = _locked_draft(attached.proposal, by)
        attached = ProposalFile.objects.filter(
            pk=attached.pk, proposal=proposal, kind=ProposalFile.Kind.ATTACHMENT
        ).first()
        if attached is None:
            raise ValidationError(_("This document is no longer in the draft."))
        _proposal_event(
            proposal, "proposal.file_removed", by=by, file=attached.pk, sha256=attached.sha256
        )
        attached.delete()


def replace_file(attached: ProposalFile, *, by, upload) -> ProposalFile:
    """Put a new document in the place of one of a draft's: both or neither."""
    with transaction.atomic():
        new = attach_file(attached.proposal, by=by, upload=upload)
        remove_file(attached, by=by)
    return new


def canonical_submission(proposal: Proposal) -> dict:
    """What a receipt vouches for, as plain data: documented in docs/receipts.md."""
    return {
        "format": "trama-receipt/1",
        "procedure": proposal.procedure_id,
        "proposal": proposal.pk,
        "version": proposal.version,
        "lead": proposal.lead.tax_code or str(proposal.lead_id),
        "title": proposal.title,
        "partners": sorted(
            p.organization.tax_code or str(p.organization_id)
            for p in proposal.partners.select_related("organization")
        ),
        "sections": [
            {"criterion": s.criterion_id, "text": s.text}
            for s in proposal.sections.order_by("criterion__position", "criterion_id")
        ],
        "budget_total": str(proposal.budget_total),
        "budget": [
            {
                "contributor": line.contributor_id,
                "source": line.source,
                "category": line.category,
                "year": line.year,
                "description": line.description,
                "amount": str(line.amount),
                "funder": line.funder_id,
            }
            for line in proposal.budget_lines.order_by("pk")
        ],
        "files": [
            {"name": f.name, "size": f.size, "sha256": f.sha256}
            for f in proposal.files.filter(kind=ProposalFile.Kind.ATTACHMENT).order_by("pk")
        ],
    }


def canonical_json(data: dict) -> str:
    """Sorted keys, no spaces, UTF-8 kept as is: hashing this text gives the receipt's SHA-256."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_submittable(proposal: Proposal) -> None:
    errors = missing_for_submission(proposal)
    if errors:
        raise ValidationError(errors)


def missing_for_submission(
    proposal: Proposal, *, partners=None, sections=None, files=None, lines=None
) -> list[str]:
    """What a draft still lacks before it can be submitted, in the person's words.

    A page that has already read the partners (with their organisations), the sections
    (with their criteria), the attached files and the plan's lines passes them in.
    """
    if partners is None:
        partners = proposal.partners.select_related("organization")
    if sections is None:
        sections = proposal.sections.select_related("criterion")
    if files is None:
        files = proposal.files.filter(kind=ProposalFile.Kind.ATTACHMENT)
    if lines is None:
        lines = proposal.budget_lines.all()
    errors = []
    unconfirmed = [p.organization.name for p in partners if p.confirmed_at is None]
    if unconfirmed:
        errors.append(
            _("These partners have not confirmed yet: %(names)s.")
            % {"names": ", ".join(unconfirmed)}
        )
    empty = [s.criterion.title for s in sections if not s.text.strip()]
    if empty:
        errors.append(_("Write these sections: %(titles)s.") % {"titles": ", ".join(empty)})
    if not any(f.kind == ProposalFile.Kind.ATTACHMENT for f in files):
        errors.append(_("Attach at least one document (the signed application form)."))
    lines_total = sum((line.amount for line in lines), Decimal("0"))
    if proposal.budget_total is None:
        errors.append(_("Declare the total of the budget plan."))
    elif lines_total != proposal.budget_total:
        errors.append(
            _("The budget plan's lines add up to %(lines)s €, not the %(total)s € declared.")
            % {"lines": format_number(lines_total), "total": format_number(proposal.budget_total)}
        )
    return errors


def submit_proposal(proposal: Proposal, *, by) -> Receipt:
    """Submit before the deadline and issue the receipt; a second click gets the same one."""
    # A late submission is refused before queueing on the call's lock: once passed, a
    # deadline stays passed (it can only be extended before it passes).
    if (
        Procedure.objects.get(pk=proposal.procedure_id).deadline_passed()
        and not Proposal.objects.filter(pk=proposal.pk, state=State.SUBMITTED).exists()
    ):
        raise ValidationError(_("The deadline for proposals has passed."), code="deadline_passed")
    with transaction.atomic():
        # The procedure row is locked first: the deadline check, the receipt counter and a
        # concurrent extension or closing are decided in one order, in server time.
        procedure = Procedure.objects.select_for_update().get(pk=proposal.procedure_id)
        proposal = Proposal.objects.select_for_update().select_related("lead").get(pk=proposal.pk)
        if not is_admin(by, proposal.lead_id):
            raise PermissionDenied(_("Only the lead body's administrators can submit."))
        if proposal.state == State.SUBMITTED:
            return proposal.receipt  # a double click: the first submission stands
        if proposal.state != State.DRAFT:
            raise ValidationError(_("Only a draft can be submitted."))
        now = timezone.now()
        _check_open(procedure, now)
        check_submittable(proposal)
        content = canonical_json(canonical_submission(proposal))
        digest = hashlib.sha256(content.encode()).hexdigest()
        procedure.receipts_issued += 1
        procedure.save(update_fields=["receipts_issued"])
        receipt = Receipt.objects.create(
            proposal=proposal,
            number=f"{procedure.pk}-{procedure.receipts_issued:05d}",
            issued_at=now,
            canonical_json=content,
            sha256=digest,
        )
        if proposal.replaces_id:
            Proposal.objects.filter(pk=proposal.replaces_id).update(state=State.REPLACED)
        proposal.state = State.SUBMITTED
        proposal.submitted_at = now
        proposal.submitted_by = by
        # A new version carries content sealed since the first submission: that seal holds.
        proposal.sealed_at = proposal.sealed_at or now
        proposal.save(update_fields=["state", "submitted_at", "submitted_by", "sealed_at"])
        # The trail says a proposal arrived, not whose: that too stays sealed until the deadline.
        event(
            procedure, "proposal.submitted", target=proposal, receipt=receipt.number, sha256=digest
        )
        notify(
            [by],
            Kind.PROPOSAL_RECEIVED,
            template="procedures/email/receipt",
            context={"proposal": proposal, "procedure": procedure, "receipt": receipt},
            path=proposal_path(proposal),
        )
    return receipt


def withdraw_proposal(proposal: Proposal, *, by) -> Proposal:
    """Withdraw a submitted proposal before the deadline."""
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=proposal.procedure_id)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not is_admin(by, proposal.lead_id):
            raise PermissionDenied(_("Only the lead body's administrators can withdraw."))
        if proposal.state not in (State.DRAFT, State.SUBMITTED):
            raise ValidationError(_("This proposal cannot be withdrawn."))
        _check_open(procedure)
        proposal.state = State.WITHDRAWN
        proposal.save(update_fields=["state"])
        event(procedure, "proposal.withdrawn", target=proposal)
    return proposal


def start_new_version(proposal: Proposal, *, by) -> Proposal:
    """Copy a submitted proposal into a new draft; submitting it replaces the old one."""
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=proposal.procedure_id)
        old = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not is_admin(by, old.lead_id):
            raise PermissionDenied(_("Only the lead body's administrators can do this."))
        # The copy holds the sealed content: only whoever may read the old version makes it.
        if not member_reads(membership_of(by, old.lead_id), old):
            raise PermissionDenied(
                _(
                    "You joined %(name)s after this proposal was submitted: it stays sealed "
                    "to you until the deadline. Start a new proposal instead."
                )
                % {"name": old.lead.name}
            )
        if old.state != State.SUBMITTED:
            raise ValidationError(
                _("Only a submitted proposal can get a new version."), code="not_submitted"
            )
        _check_open(procedure)
        if Proposal.objects.filter(procedure=procedure, lead=old.lead, state=State.DRAFT).exists():
            raise ValidationError(
                _("A new version is already being written."), code="new_version_exists"
            )
        new = Proposal.objects.create(
            procedure=procedure,
            lead=old.lead,
            title=old.title,
            version=old.version + 1,
            replaces=old,
            budget_total=old.budget_total,
            created_by=by,
            sealed_at=old.sealed_at or old.submitted_at,
        )
        ProposalPartner.objects.bulk_create(
            ProposalPartner(
                proposal=new,
                organization_id=p.organization_id,
                role=p.role,
                confirmed_at=p.confirmed_at,
                confirmed_by_id=p.confirmed_by_id,
            )
            for p in old.partners.all()
        )
        ProposalSection.objects.bulk_create(
            ProposalSection(proposal=new, criterion_id=s.criterion_id, text=s.text)
            for s in old.sections.all()
        )
        BudgetLine.objects.bulk_create(
            BudgetLine(
                proposal=new,
                **{
                    f: getattr(line, f)
                    for f in (
                        "contributor_id",
                        "source",
                        "category",
                        "year",
                        "description",
                        "quantity",
                        "unit_value",
                        "amount",
                        "funder_id",
                    )
                },
            )
            for line in old.budget_lines.all()
        )
        # Files are shared by reference: the stored bytes never change.
        ProposalFile.objects.bulk_create(
            ProposalFile(
                proposal=new,
                name=f.name,
                file=f.file.name,
                size=f.size,
                sha256=f.sha256,
                content_type=f.content_type,
                uploaded_by_id=f.uploaded_by_id,
            )
            for f in old.files.filter(kind=ProposalFile.Kind.ATTACHMENT)
        )
    return new
