from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "trama.opendata.transparency"
    label = "transparency"
    verbose_name = _("Transparency")

    def ready(self):
        from trama.organizations import sections

        from .views import organization_section

        sections.register("transparency/_organization_section.html", organization_section)
