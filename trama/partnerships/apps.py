from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "trama.partnerships"
    verbose_name = _("Partnerships and territories")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from trama.agreements.models import Agreement, Party
        from trama.agreements.signals import agreement_signed
        from trama.ledger.signals import contributions_changed
        from trama.procedures.models import Procedure
        from trama.programs.models import Program

        from . import network, services, story
        from .models import Partnership

        agreement_signed.connect(services.on_agreement_signed, dispatch_uid="partnership-grows")
        # The roll-ups of the networks and of the territories' stories follow every write
        # that can move them (network.py, story.py).
        agreement_signed.connect(network.on_agreement_signed, dispatch_uid="network-signed")
        contributions_changed.connect(
            network.on_contributions_changed, dispatch_uid="network-contributions"
        )
        m2m_changed.connect(
            network.on_participants_changed,
            sender=Procedure.participants.through,
            dispatch_uid="network-participants",
        )
        for signal, suffix in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(network.on_party_saved, sender=Party, dispatch_uid=f"party-{suffix}")
            signal.connect(story.on_program_saved, sender=Program, dispatch_uid=f"program-{suffix}")
            signal.connect(
                story.on_procedure_saved, sender=Procedure, dispatch_uid=f"procedure-{suffix}"
            )
            signal.connect(
                story.on_agreement_saved, sender=Agreement, dispatch_uid=f"agreement-{suffix}"
            )
        post_save.connect(
            network.on_procedure_saved, sender=Procedure, dispatch_uid="network-procedure"
        )
        post_save.connect(
            story.on_partnership_saved, sender=Partnership, dispatch_uid="partnership-saved"
        )
