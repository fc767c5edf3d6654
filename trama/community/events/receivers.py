"""The public acts of calls, read from the procedures' audit trail, told to their followers.

A call's acts are appended to its hash chain (`procedure:<pk>`) by the procedures' services;
the public ones listed here reach, through the inbox, whoever follows the call or its body.
"""

from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver

from trama.audit.models import AuditEvent
from trama.notifications.models import Kind
from trama.notifications.services import notify
from trama.procedures.models import Procedure

from .models import Follow

FOLLOWED_ACTIONS = {
    "procedure.published",
    "procedure.deadline_extended",
    "clarification.answered",
    "procedure.ranked",
    "procedure.cancelled",
}


@receiver(post_save, sender=AuditEvent)
def on_procedure_act(sender, instance, created, **kwargs):
    if not created or instance.action not in FOLLOWED_ACTIONS:
        return
    if not instance.chain.startswith("procedure:"):
        return
    procedure = Procedure.objects.filter(pk=instance.chain.split(":", 1)[1]).first()
    if procedure is None or procedure.published_at is None:
        return
    followers = [
        f.user
        for f in Follow.objects.filter(
            Q(procedure=procedure) | Q(organization_id=procedure.owner_id)
        ).select_related("user")
    ]
    if not followers:
        return
    notify(
        {u.pk: u for u in followers}.values(),
        Kind.FOLLOWED_ACT,
        template="events/email/followed_act",
        context={"procedure": procedure, "action": instance.action, "data": instance.data},
        path=procedure.get_absolute_url(),
        by=instance.actor,
    )
