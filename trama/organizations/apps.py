from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "trama.organizations"
    verbose_name = _("Organisations")

    def ready(self):
        from trama.audit.labels import register_value_labels

        from .models import Membership

        # The trail shows "role: administrator", not the stored code.
        register_value_labels("role", Membership.Role.choices)
