from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "trama.community"
    verbose_name = _("Community of practice")

    def ready(self):
        from trama.audit.labels import register_value_labels

        from .models import Member

        register_value_labels("visibility", Member.Visibility.choices)
