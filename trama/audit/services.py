from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from .models import AuditEvent, ChainHead


def chain_for(obj: models.Model) -> str:
    """The chain key of an object: its model label and primary key."""
    return f"{obj._meta.model_name}:{obj.pk}"


def record_event(chain: str, action: str, *, by=None, target=None, data=None) -> AuditEvent:
    """Append one event to a chain, linked to the previous event by its hash."""
    with transaction.atomic():
        # The head row is created once and then locked: concurrent appends to the same
        # chain queue on this lock, so each one sees the previous event's hash.
        ChainHead.objects.bulk_create([ChainHead(chain=chain)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(chain=chain)
        event = AuditEvent(
            chain=chain,
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor=by if by is not None and by.is_authenticated else None,
            action=action,
            object_type=target._meta.model_name if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            data=data or {},
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["seq", "last_hash"])
    return event


@dataclass
class ChainReport:
    chain: str
    events: int
    ok: bool
    problem: str = ""


def verify_chain(chain: str) -> ChainReport:
    """Recompute every hash of a chain and check each event links to the one before."""
    prev = "0" * 64
    count = 0
    for expected_seq, event in enumerate(AuditEvent.objects.for_chain(chain).iterator(), 1):
        count += 1
        if event.seq != expected_seq:
            return ChainReport(chain, count, False, f"event #{expected_seq} is missing")
        if event.prev_hash != prev:
            return ChainReport(
                chain, count, False, f"event #{event.seq} does not follow #{event.seq - 1}"
            )
        if event.compute_hash() != event.hash:
            return ChainReport(chain, count, False, f"event #{event.seq} was altered")
        prev = event.hash
    head = ChainHead.objects.filter(chain=chain).first()
    if head is not None and (head.seq != count or head.last_hash != prev):
        return ChainReport(chain, count, False, "the chain was truncated")
    return ChainReport(chain, count, True)
