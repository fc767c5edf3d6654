"""The procedures' public acts, heard through their audit events, become deliveries."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from trama.audit.models import AuditEvent

from . import services


@receiver(post_save, sender=AuditEvent, dispatch_uid="webhooks_from_audit_events")
def on_audit_event(sender, instance, created, **kwargs):
    if created:
        services.enqueue_event(instance)
