"""Which audit events a body's integrators hear of, and the public payload each one carries.

The acts are already written down: every act on a procedure appends an audit event to the
procedure's chain (trama.procedures.services.base.event). This module maps the public ones to
webhook event kinds. A payload is built from the public record only — the procedure's
published fields and public addresses — never from the event's details, a proposal or a
private field: what an integrator receives is what anyone can read on the site.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.timezone import localtime

from trama.agreements.models import Agreement
from trama.audit.models import AuditEvent
from trama.procedures.models import Procedure

from .models import PING, EventKind

# Audit action → webhook event kind.
ACTIONS = {
    "procedure.published": EventKind.CALL_PUBLISHED,
    "clarification.answered": EventKind.CLARIFICATION_PUBLISHED,
    "procedure.deadline_extended": EventKind.DEADLINE_EXTENDED,
    "procedure.ranked": EventKind.RANKING_PUBLISHED,
    # Every party signed the first version, or an amendment: the agreement is in force.
    "agreement.in_force": EventKind.AGREEMENT_SIGNED,
    "report.submitted": EventKind.REPORT_SUBMITTED,
    "report.accepted": EventKind.REPORT_VERIFIED,
    "payment.recorded": EventKind.PAYMENT_RECORDED,
    "agreement.completed": EventKind.PROCEDURE_COMPLETED,
    "coprogramming.concluded": EventKind.PROCEDURE_COMPLETED,
}

PROCEDURE_CHAIN = "procedure:"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def kind_of(event: AuditEvent) -> str | None:
    if not event.chain.startswith(PROCEDURE_CHAIN):
        return None
    return ACTIONS.get(event.action)


def event_id(event: AuditEvent) -> str:
    """Stable across retries and subscriptions: the integrator can drop a repeat."""
    return "evt_" + event.hash[:32]


def body_fields(organization) -> dict:
    return {
        "name": organization.name,
        "tax_code": organization.tax_code,
        "url": absolute(organization.get_absolute_url()),
    }


def procedure_fields(procedure: Procedure) -> dict:
    return {
        "id": procedure.pk,
        "title": procedure.title,
        "reference": procedure.reference,
        "kind": procedure.kind,
        "state": procedure.state,
        "deadline": localtime(procedure.deadline).isoformat() if procedure.deadline else None,
        "url": absolute(procedure.get_absolute_url()),
    }


def payload_for(event: AuditEvent, kind: str) -> tuple[int, dict] | None:
    """The owning body's id and the public payload of an event, or None if not public."""
    procedure = (
        Procedure.objects.select_related("owner")
        .filter(pk=event.chain.removeprefix(PROCEDURE_CHAIN))
        .first()
    )
    if procedure is None or not procedure.is_published:
        return None
    payload = {
        "id": event_id(event),
        "event": kind,
        "occurred_at": localtime(event.created_at).isoformat(),
        "body": body_fields(procedure.owner),
        "procedure": procedure_fields(procedure),
    }
    agreement = (
        Agreement.objects.filter(procedure=procedure, signed_at__isnull=False).only("pk").first()
    )
    if agreement is not None and kind not in (
        EventKind.CALL_PUBLISHED,
        EventKind.CLARIFICATION_PUBLISHED,
        EventKind.DEADLINE_EXTENDED,
        EventKind.RANKING_PUBLISHED,
    ):
        payload["agreement"] = {
            "id": agreement.pk,
            "url": absolute(reverse("agreements:public", args=[agreement.pk])),
        }
    return procedure.owner_id, payload


def ping_payload(organization, *, event_id: str, occurred_at) -> dict:
    return {
        "id": event_id,
        "event": PING,
        "occurred_at": localtime(occurred_at).isoformat(),
        "body": body_fields(organization),
    }
