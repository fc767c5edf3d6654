"""Payments of the public contribution: each tranche once, when its condition is met."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.ledger.measure import latest_verification
from trama.ledger.models import Kind, Source, Verification
from trama.ledger.services import record_entry, verify_entry
from trama.lib.numbers import AMOUNT, clean_number, format_number
from trama.notifications.models import Kind as NoticeKind
from trama.procedures.services.base import check_actor, event, locked
from trama.procedures.workflow import RUP, check_act

from ..models import Party, Payment, Report, Tranche
from .notices import notify_body


def condition_met(tranche: Tranche, today: datetime.date | None = None) -> bool:
    """Its period's report is accepted, or its date is reached (either one suffices)."""
    today = today or timezone.localdate()
    if tranche.due_on is not None and tranche.due_on <= today:
        return True
    if tranche.after_period_id is not None:
        return Report.objects.filter(
            period_id=tranche.after_period_id, state=Report.State.ACCEPTED
        ).exists()
    return False


def payments_path(agreement) -> str:
    return reverse("agreements:payments", args=[agreement.pk])


def record_payment(
    tranche: Tranche, *, by, paid_on: datetime.date, amount, order_number: str
) -> Payment:
    """The RUP records the payment of a tranche: a PUBLIC_OWNER actual, accepted at once.

    Refused, with nothing saved, for a tranche already paid, one whose condition is not met,
    an amount above the tranche's, or a payee whose contribution has not been published
    under D.Lgs. 33/2013 art. 27 (its publication comes before the first payment).
    """
    order_number = (order_number or "").strip()
    errors = {}
    if not order_number:
        errors["order_number"] = ValidationError(
            _("Give the payment order number."), code="required"
        )
    if paid_on is None:
        errors["paid_on"] = ValidationError(_("Give the payment date."), code="required")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = ValidationError(
            _("A payment is recorded once made: the date can't be in the future."),
            code="future_date",
        )
    amount = clean_number(amount, AMOUNT, "amount")
    if amount > tranche.amount:
        errors["amount"] = ValidationError(
            _("The amount can't exceed the tranche's (€ %(amount)s).")
            % {"amount": format_number(tranche.amount)},
            code="above_tranche",
        )
    if errors:
        raise ValidationError(errors)
    agreement = tranche.agreement
    with transaction.atomic():
        procedure = locked(agreement.procedure)
        check_actor(procedure, by, RUP)
        check_act(
            procedure,
            "record_payment",
            _("Payments are recorded once the agreement is signed and until it ends."),
        )
        tranche = Tranche.objects.select_for_update().select_related("payee").get(pk=tranche.pk)
        if Payment.objects.filter(tranche=tranche).exists():
            raise ValidationError(_("This tranche was already paid."), code="already_paid")
        if not condition_met(tranche):
            raise ValidationError(
                _("This tranche can't be paid yet: its condition is not met."),
                code="condition_not_met",
            )
        payee = Party.objects.filter(agreement=agreement, organization=tranche.payee).first()
        if payee is None or payee.published_at is None:
            raise ValidationError(
                _(
                    "The contribution to %(name)s must be published (D.Lgs. 33/2013 art. 27) "
                    "before its first payment."
                )
                % {"name": tranche.payee.name},
                code="not_published",
            )
        entry = record_entry(
            by=by,
            program=procedure.program,
            contributor=procedure.owner,
            check_permission=False,
            kind=Kind.ACTUAL,
            source=Source.PUBLIC_OWNER,
            category="ECONOMIC",
            year=paid_on.year,
            amount=amount,
            procedure=procedure,
            description=(
                _("%(tranche)s to %(payee)s, payment order %(order)s")
                % {
                    "tranche": tranche.get_kind_display(),
                    "payee": tranche.payee.name,
                    "order": order_number,
                }
            )[:300],
        )
        # The owning body's own record is accepted as it is written (record_entry); should
        # that ever change, the RUP's verification accepts it here.
        if latest_verification(entry.pk) == Verification.Status.PENDING:
            verify_entry(entry, by=by, accept=True)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    tranche=tranche,
                    paid_on=paid_on,
                    amount=amount,
                    order_number=order_number[:80],
                    entry=entry,
                    recorded_by=by,
                )
        except IntegrityError:
            raise ValidationError(
                _("This tranche was already paid."), code="already_paid"
            ) from None
        event(
            procedure,
            "payment.recorded",
            by=by,
            target=payment,
            public=True,
            tranche=tranche.pk,
            amount=str(amount),
            payee=tranche.payee_id,
            order_number=order_number,
        )
        notify_body(
            tranche.payee_id,
            NoticeKind.PAYMENT_RECORDED,
            template="agreements/email/payment_recorded",
            context={"payment": payment, "tranche": tranche, "procedure": procedure},
            path=payments_path(agreement),
            by=by,
        )
    return payment
