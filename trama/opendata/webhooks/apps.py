from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "trama.opendata.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from trama.audit.labels import register_value_labels

        from . import receivers  # noqa: F401  (connects the audit listener)
        from .models import EventKind

        register_value_labels("kinds", EventKind.choices)
