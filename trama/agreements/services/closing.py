"""The end of an agreement: completion by the RUP's closing act, or early termination."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.ledger.measure import in_measure, with_measure
from trama.ledger.models import Kind, LedgerEntry, Measure
from trama.ledger.services import record_entry, reverse_entry
from trama.procedures.models import Procedure
from trama.procedures.services.base import check_actor, event, locked
from trama.procedures.workflow import check_transition

from ..models import Agreement, AgreementPledge, Report

State = Procedure.State
ZERO = Decimal("0.00")


def _check_act_fields(act_number: str, act_date, reasons: str, *, need_number: bool) -> None:
    errors = {}
    if need_number and not act_number:
        errors["act_number"] = ValidationError(_("Give the act's number."), code="required")
    if need_number and act_date is None:
        errors["act_date"] = ValidationError(_("Give the act's date."), code="required")
    if act_date is not None and act_date > timezone.localdate():
        errors["act_date"] = ValidationError(
            _("The act's date can't be in the future."), code="future_date"
        )
    if not reasons:
        errors["reasons"] = ValidationError(_("Give the reasons of the act."), code="required")
    if errors:
        raise ValidationError(errors)


def complete_agreement(
    agreement: Agreement, *, by, act_number: str, act_date: datetime.date, reasons: str
) -> Agreement:
    """The RUP's closing act once the final report is accepted: the procedure is COMPLETED.

    The ledger is left as it is: pledges and accepted actuals stay the agreement's figures.
    """
    act_number, reasons = (act_number or "").strip(), (reasons or "").strip()
    _check_act_fields(act_number, act_date, reasons, need_number=True)
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        who = check_transition(procedure, State.COMPLETED)
        check_actor(procedure, by, who)
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        final = agreement.periods.filter(is_final=True).order_by("-number").first()
        if final is None:
            final = agreement.periods.order_by("-number").first()
        accepted = Report.objects.filter(period=final, state=Report.State.ACCEPTED).exists()
        if final is None or not accepted:
            raise ValidationError(
                _("The agreement is closed once its final report is accepted."),
                code="final_report_missing",
            )
        agreement.completed_at = timezone.now()
        agreement.closing_act_number = act_number[:80]
        agreement.closing_act_date = act_date
        agreement.closing_reasons = reasons
        agreement.save(
            update_fields=[
                "completed_at",
                "closing_act_number",
                "closing_act_date",
                "closing_reasons",
            ]
        )
        procedure.state = State.COMPLETED
        procedure.save(update_fields=["state"])
        event(
            procedure,
            "agreement.completed",
            by=by,
            target=agreement,
            public=True,
            act_number=act_number,
            act_date=act_date.isoformat(),
            reasons=reasons,
        )
    return agreement


def unrealised_pledges(agreement: Agreement):
    """What termination reverses: for each (contributor, source, category), the pledges that
    the accepted actuals do not cover.

    The agreement's pledges are the ledger entries its versions in force made
    (`AgreementPledge`), not reversed. For each group, the accepted actuals of the agreement's
    procedure (same contributor, source and category, any year; pending or rejected actuals
    are not realised) cover the pledges in order of year and entry, oldest first. An entry
    covered in full stays; an entry not covered at all is reversed; the entry covered in
    part is reversed and a pledge of the covered part is recorded in its place, so that what
    stays pledged equals what was realised, up to what was pledged. A group whose actuals
    reach the pledges keeps them all.

    Returns [(entry, covered_amount)] for every entry to reverse (covered_amount 0 when none).
    """
    pledge_ids = AgreementPledge.objects.filter(version__agreement=agreement).values("entry_id")
    pledges = (
        LedgerEntry.objects.filter(pk__in=pledge_ids, kind=Kind.PLEDGE, reverses__isnull=True)
        .exclude(reversal__isnull=False)
        .order_by("year", "pk")
    )
    actuals = in_measure(
        with_measure(
            LedgerEntry.objects.filter(
                procedure_id=agreement.procedure_id, kind=Kind.ACTUAL, reverses__isnull=True
            ).exclude(reversal__isnull=False)
        ),
        Measure.ACCEPTED,
    )
    realised = defaultdict(lambda: ZERO)
    for entry in actuals:
        realised[(entry.contributor_id, entry.source, entry.category)] += entry.amount
    found = []
    for entry in pledges:
        key = (entry.contributor_id, entry.source, entry.category)
        covered = min(realised[key], entry.amount)
        realised[key] -= covered
        if covered < entry.amount:
            found.append((entry, covered))
    return found


def terminate_agreement(
    agreement: Agreement,
    *,
    by,
    reasons: str,
    act_number: str = "",
    act_date: datetime.date | None = None,
) -> Agreement:
    """The RUP ends the agreement early (TERMINATED): pledges not realised are reversed
    (see `unrealised_pledges` for the rule), with the termination's reasons."""
    act_number, reasons = (act_number or "").strip(), (reasons or "").strip()
    _check_act_fields(act_number, act_date, reasons, need_number=False)
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        who = check_transition(procedure, State.TERMINATED)
        check_actor(procedure, by, who)
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        reason = (_("Agreement terminated: %(reasons)s") % {"reasons": reasons})[:300]
        reversed_count, kept = 0, []
        for entry, covered in unrealised_pledges(agreement):
            reverse_entry(entry, by=by, reason=reason)
            reversed_count += 1
            if covered > 0:
                kept_entry = record_entry(
                    by=by,
                    program=procedure.program,
                    contributor=entry.contributor,
                    check_permission=False,
                    kind=Kind.PLEDGE,
                    source=entry.source,
                    category=entry.category,
                    year=entry.year,
                    amount=covered,
                    funder=entry.funder,
                    grant_reference=entry.grant_reference,
                    procedure=procedure,
                    description=(
                        _("Part realised of a pledge, kept at termination")
                        + (f" — {entry.description}" if entry.description else "")
                    )[:300],
                )
                if agreement.in_force_id:
                    AgreementPledge.objects.create(
                        version_id=agreement.in_force_id,
                        key=f"{entry.contributor_id}:{entry.source}:{entry.category}:{entry.year}",
                        entry=kept_entry,
                    )
                kept.append(kept_entry.pk)
        agreement.ended_reason = reasons
        agreement.closing_act_number = act_number[:80]
        agreement.closing_act_date = act_date
        agreement.closing_reasons = reasons
        agreement.save(
            update_fields=[
                "ended_reason",
                "closing_act_number",
                "closing_act_date",
                "closing_reasons",
            ]
        )
        procedure.state = State.TERMINATED
        procedure.save(update_fields=["state"])
        event(
            procedure,
            "agreement.terminated",
            by=by,
            target=agreement,
            public=True,
            reasons=reasons,
            act_number=act_number,
            reversed=reversed_count,
            kept=kept,
        )
    return agreement
