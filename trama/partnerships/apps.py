from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "trama.partnerships"
    verbose_name = _("Partnerships and territories")

    def ready(self):
        from trama.agreements.signals import agreement_signed

        from . import services

        agreement_signed.connect(services.on_agreement_signed, dispatch_uid="partnership-grows")
