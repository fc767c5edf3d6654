"""Reminders before each report is due, and once when it is overdue."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from trama.notifications.models import Kind as NoticeKind
from trama.procedures.models import Procedure

from ..models import Party, Report, ReportingPeriod
from .notices import notify_parties

# Days before the due date when the lead and the partners are reminded; then once overdue.
REMIND_BEFORE = (14, 3)


def reminder_stage(period: ReportingPeriod, today: datetime.date) -> datetime.date | None:
    """The day the reminder owed now became due: 14 or 3 days before, or the day after the
    due date; None when no reminder is owed yet."""
    if today > period.due_on:
        return period.due_on + datetime.timedelta(days=1)
    for days in sorted(REMIND_BEFORE):
        start = period.due_on - datetime.timedelta(days=days)
        if today >= start:
            return start
    return None


def send_report_reminders(now: datetime.datetime | None = None) -> int:
    """Remind the parties of reports due in 14 and 3 days, and of overdue ones, once each.

    Idempotent: `reminded_at` is claimed (a conditional update) before anyone is told, so two
    workers never send the same reminder.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=max(REMIND_BEFORE))
    done = (Report.State.SUBMITTED, Report.State.ACCEPTED)
    periods = (
        ReportingPeriod.objects.filter(
            agreement__procedure__state=Procedure.State.IN_PROGRESS, due_on__lte=horizon
        )
        .exclude(report__state__in=done)
        .select_related("agreement__procedure")
    )
    sent = 0
    for period in periods:
        stage = reminder_stage(period, today)
        if stage is None:
            continue
        if period.reminded_at is not None and timezone.localdate(period.reminded_at) >= stage:
            continue
        with transaction.atomic():
            claimed = (
                ReportingPeriod.objects.filter(pk=period.pk)
                .filter(Q(reminded_at__isnull=True) | Q(reminded_at__date__lt=stage))
                .update(reminded_at=now)
            )
            if not claimed:
                continue
            notify_parties(
                period.agreement,
                NoticeKind.REPORT_DUE,
                template="agreements/email/report_due",
                context={
                    "period": period,
                    "procedure": period.agreement.procedure,
                    "overdue": today > period.due_on,
                },
                path=reverse("agreements:reports", args=[period.agreement_id]),
                only=lambda party: party.role in (Party.Role.LEAD, Party.Role.PARTNER),
            )
        sent += 1
    return sent
