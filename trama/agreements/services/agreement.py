"""Drafting the agreement after the shared project's adoption: its parts, by the RUP.

Every part (parties, steering group, clauses, reporting calendar, indicators and targets,
payment tranches) is edited here and frozen only when a version is issued
(`issuing.issue_agreement`). Drafting happens at the table and, once the agreement is in
force, to prepare an amendment.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from trama.organizations.models import Membership
from trama.procedures.models import Adoption, Proposal, ProposalPartner
from trama.procedures.services.base import check_actor, event, locked
from trama.procedures.workflow import RUP, check_act, who_may

from ..models import (
    Agreement,
    Clause,
    Indicator,
    Party,
    ReportingPeriod,
    SteeringMember,
    Target,
    Tranche,
)
from ..publication import check_may_receive_public_money


def drafting_act(procedure) -> str:
    """The act that edits the agreement now: a new version at the table, or an amendment."""
    return "amend_agreement" if who_may(procedure, "amend_agreement") != "" else "issue_agreement"


def _check_drafting(procedure, by) -> None:
    check_actor(procedure, by, RUP)
    check_act(
        procedure,
        drafting_act(procedure),
        _("The agreement is drafted at the co-design table, or amended while it is in force."),
    )


def _locked_agreement(agreement: Agreement, by) -> Agreement:
    procedure = locked(agreement.procedure)
    _check_drafting(procedure, by)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement.procedure = procedure
    return agreement


def _check_dates(starts_on, ends_on, start_field="starts_on", end_field="ends_on") -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({end_field: _("The end comes before the start.")})


def draft_agreement(
    procedure, *, by, object, starts_on, ends_on, governance="", obligations=""
) -> Agreement:
    """The RUP starts the agreement once the shared project is adopted; the parties are
    filled in: the owning body, each selected proposal's lead and partners."""
    object = (object or "").strip()
    if not object:
        raise ValidationError({"object": _("Write the object of the agreement.")})
    _check_dates(starts_on, ends_on)
    with transaction.atomic():
        procedure = locked(procedure)
        check_actor(procedure, by, RUP)
        check_act(
            procedure, "issue_agreement", _("The agreement is drafted at the co-design table.")
        )
        if not Adoption.objects.filter(procedure=procedure).exists():
            raise ValidationError(_("The shared project must be adopted before the agreement."))
        if Agreement.objects.filter(procedure=procedure).exists():
            raise ValidationError(_("This procedure already has its agreement."))
        agreement = Agreement.objects.create(
            procedure=procedure,
            object=object,
            starts_on=starts_on,
            ends_on=ends_on,
            governance=(governance or "").strip(),
            obligations=(obligations or "").strip(),
            created_by=by,
        )
        Party.objects.create(
            agreement=agreement, organization=procedure.owner, role=Party.Role.PUBLIC_BODY
        )
        links = ProposalPartner.objects.filter(
            proposal__procedure=procedure, proposal__state=Proposal.State.SELECTED
        ).order_by("proposal__rank", "proposal_id", "pk")
        roles = {}
        for link in links:
            lead = link.role == ProposalPartner.Role.LEAD
            if roles.get(link.organization_id) != Party.Role.LEAD:
                roles[link.organization_id] = Party.Role.LEAD if lead else Party.Role.PARTNER
        for org_id, role in roles.items():
            if org_id != procedure.owner_id:
                Party.objects.create(agreement=agreement, organization_id=org_id, role=role)
        event(procedure, "agreement.drafted", by=by, target=agreement, parties=len(roles) + 1)
    return agreement


def update_agreement(agreement: Agreement, *, by, **fields) -> Agreement:
    """Object, dates, governance and obligations, as the next version will carry them."""
    allowed = {"object", "starts_on", "ends_on", "governance", "obligations"}
    fields = {k: v for k, v in fields.items() if k in allowed}
    if "object" in fields:
        fields["object"] = (fields["object"] or "").strip()
        if not fields["object"]:
            raise ValidationError({"object": _("Write the object of the agreement.")})
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        for name, value in fields.items():
            setattr(agreement, name, value.strip() if isinstance(value, str) else value)
        _check_dates(agreement.starts_on, agreement.ends_on)
        agreement.save(update_fields=list(fields))
        event(
            agreement.procedure, "agreement.updated", by=by, target=agreement, fields=sorted(fields)
        )
    return agreement


# --- parties ------------------------------------------------------------------------------

PARTY_FIELDS = (
    "representative_name",
    "representative_tax_code",
    "receives_public_money",
    "legal_basis",
    "office",
    "official",
    "selection_method",
)
REPRESENTATIVE_FIELDS = ("representative_name", "representative_tax_code")


def _is_admin(user, organization) -> bool:
    return Membership.objects.filter(
        user=user, organization=organization, role=Membership.Role.ADMIN
    ).exists()


def update_party(party: Party, *, by, **fields) -> Party:
    """The RUP fills in a party's representative and its art. 27 data; a party's own
    administrators may correct their legal representative's name and tax code."""
    with transaction.atomic():
        procedure = locked(party.agreement.procedure)
        if procedure.rup_id == by.pk:
            _check_drafting(procedure, by)
            allowed = PARTY_FIELDS
        elif _is_admin(by, party.organization):
            check_act(procedure, drafting_act(procedure), _("The agreement can't be changed now."))
            allowed = REPRESENTATIVE_FIELDS
        else:
            raise PermissionDenied(_("Only the RUP or the party's administrators can do this."))
        party = Party.objects.select_for_update().get(pk=party.pk)
        changed = []
        for name in allowed:
            if name in fields and fields[name] is not None:
                value = fields[name]
                if isinstance(value, str):
                    value = value.strip()
                if name == "representative_tax_code":
                    value = value.upper()
                setattr(party, name, value)
                changed.append(name)
        if party.receives_public_money:
            check_may_receive_public_money(party.organization)
        party.save(update_fields=changed)
        event(procedure, "agreement.party_updated", by=by, target=party, fields=changed)
    return party


def add_party(agreement: Agreement, *, by, organization, role=Party.Role.PARTNER) -> Party:
    """A body joins the agreement (a new party by amendment, or before signing)."""
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        if role == Party.Role.PUBLIC_BODY:
            raise ValidationError({"role": _("The public body is already a party.")})
        existing = Party.objects.filter(agreement=agreement, organization=organization).first()
        if existing is not None:
            if existing.active:
                raise ValidationError({"organization": _("This body is already a party.")})
            existing.active = True
            existing.role = role
            existing.save(update_fields=["active", "role"])
            party = existing
        else:
            party = Party.objects.create(agreement=agreement, organization=organization, role=role)
        event(agreement.procedure, "agreement.party_added", by=by, target=party, role=role)
    return party


def withdraw_party(party: Party, *, by) -> Party:
    """A party leaves (replaced by amendment): it is no longer asked to sign what follows."""
    with transaction.atomic():
        agreement = _locked_agreement(party.agreement, by)
        party = Party.objects.select_for_update().get(pk=party.pk)
        if party.role == Party.Role.PUBLIC_BODY:
            raise ValidationError(_("The public body can't leave its own agreement."))
        if not party.active:
            raise ValidationError(_("This party has already left the agreement."))
        party.active = False
        party.save(update_fields=["active"])
        event(agreement.procedure, "agreement.party_withdrawn", by=by, target=party)
    return party


# --- steering group, clauses ----------------------------------------------------------------


def add_steering_member(agreement: Agreement, *, by, organization, name, role="") -> SteeringMember:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the member's name.")})
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        if not agreement.parties.filter(organization=organization, active=True).exists():
            raise ValidationError({"organization": _("The member represents one of the parties.")})
        member = SteeringMember.objects.create(
            agreement=agreement, organization=organization, name=name, role=(role or "").strip()
        )
        event(agreement.procedure, "agreement.steering_added", by=by, target=member)
    return member


def add_clause(agreement: Agreement, *, by, title, text) -> Clause:
    """A clause the public body adds; it goes after the others."""
    title, text = (title or "").strip(), (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the clause a title.")
    if not text:
        errors["text"] = _("Write the clause.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        last = agreement.clauses.aggregate(last=Max("position"))["last"] or 0
        clause = Clause.objects.create(
            agreement=agreement, position=last + 1, title=title, text=text
        )
        event(agreement.procedure, "agreement.clause_added", by=by, target=clause)
    return clause


# --- reporting calendar, indicators ---------------------------------------------------------


def add_period(agreement: Agreement, *, by, starts_on, ends_on, due_on, is_final=False):
    """A reporting period after the last one; the final report closes the calendar."""
    _check_dates(starts_on, ends_on, "starts_on", "ends_on")
    if due_on and ends_on and due_on < ends_on:
        raise ValidationError({"due_on": _("The report is due after the period ends.")})
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        periods = list(agreement.periods.all())
        if periods and periods[-1].is_final:
            raise ValidationError(_("The calendar already ends with the final report."))
        if periods and starts_on <= periods[-1].ends_on:
            raise ValidationError({"starts_on": _("A period starts after the previous one ends.")})
        if starts_on < agreement.starts_on or ends_on > agreement.ends_on:
            raise ValidationError(_("Every period falls within the agreement's duration."))
        period = ReportingPeriod.objects.create(
            agreement=agreement,
            number=len(periods) + 1,
            starts_on=starts_on,
            ends_on=ends_on,
            due_on=due_on,
            is_final=is_final,
        )
        event(agreement.procedure, "agreement.period_added", by=by, target=period)
    return period


def add_indicator(agreement: Agreement, *, by, name, unit, baseline=0) -> Indicator:
    name, unit = (name or "").strip(), (unit or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Name the indicator.")
    if not unit:
        errors["unit"] = _("Give its unit of measure.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        indicator = Indicator.objects.create(
            agreement=agreement, name=name, unit=unit, baseline=baseline or 0
        )
        event(agreement.procedure, "agreement.indicator_added", by=by, target=indicator)
    return indicator


def set_target(indicator: Indicator, *, by, period, value) -> Target:
    """The value an indicator should reach by the end of a period."""
    if value is None:
        raise ValidationError({"value": _("Give the target.")})
    with transaction.atomic():
        agreement = _locked_agreement(indicator.agreement, by)
        if period.agreement_id != agreement.pk or indicator.agreement_id != agreement.pk:
            raise ValidationError({"period": _("This period belongs to another agreement.")})
        target, _created = Target.objects.update_or_create(
            indicator=indicator, period=period, defaults={"value": value}
        )
        event(agreement.procedure, "agreement.target_set", by=by, target=target, value=str(value))
    return target


# --- payment tranches ---------------------------------------------------------------------


def add_tranche(agreement: Agreement, *, by, kind, payee, amount, after_period=None, due_on=None):
    """A tranche of the public contribution, paid once a report is accepted or from a date."""
    if after_period is None and due_on is None:
        raise ValidationError(
            {"after_period": _("Tie the tranche to a period's accepted report or to a date.")}
        )
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Give the amount.")})
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        party = agreement.parties.filter(organization=payee, active=True).first()
        if party is None or party.role == Party.Role.PUBLIC_BODY:
            raise ValidationError({"payee": _("The payee is one of the partner parties.")})
        check_may_receive_public_money(payee, field="payee")
        if after_period is not None and after_period.agreement_id != agreement.pk:
            raise ValidationError({"after_period": _("This period belongs to another agreement.")})
        tranche = Tranche.objects.create(
            agreement=agreement,
            kind=kind,
            payee=payee,
            amount=amount,
            after_period=after_period,
            due_on=due_on,
        )
        # Whoever is paid receives public money: art. 27 applies to it.
        if not party.receives_public_money:
            party.receives_public_money = True
            party.save(update_fields=["receives_public_money"])
        event(agreement.procedure, "agreement.tranche_added", by=by, target=tranche)
    return tranche


# --- removing a part ------------------------------------------------------------------------

REMOVABLE = {
    "steering": SteeringMember,
    "clause": Clause,
    "period": ReportingPeriod,
    "indicator": Indicator,
    "tranche": Tranche,
}


REMOVED_ACTIONS = {
    "steering": "agreement.steering_removed",
    "clause": "agreement.clause_removed",
    "period": "agreement.period_removed",
    "indicator": "agreement.indicator_removed",
    "tranche": "agreement.tranche_removed",
}


def remove_part(agreement: Agreement, *, by, part: str, pk: int) -> None:
    """Take a steering member, clause, period, indicator or tranche out of the draft."""
    model = REMOVABLE[part]
    with transaction.atomic():
        agreement = _locked_agreement(agreement, by)
        item = model.objects.filter(agreement=agreement, pk=pk).first()
        if item is None:
            raise ValidationError(_("This part is no longer in the agreement."))
        if part == "period":
            if agreement.periods.filter(number__gt=item.number).exists():
                raise ValidationError(_("Remove the later periods first."))
            if hasattr(item, "report") or Tranche.objects.filter(after_period=item).exists():
                raise ValidationError(_("A report or a tranche refers to this period."))
            Target.objects.filter(period=item).delete()
        if part == "indicator":
            if item.values.exists():
                raise ValidationError(_("Reports already give values for this indicator."))
            item.targets.all().delete()
        if part == "tranche" and hasattr(item, "payment"):
            raise ValidationError(_("This tranche has been paid."))
        event(agreement.procedure, REMOVED_ACTIONS[part], by=by, target=item)
        try:
            with transaction.atomic():
                item.delete()
        except IntegrityError:
            raise ValidationError(_("Something else refers to this part.")) from None
