from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "trama.opendata.catalogue"
    label = "catalogue"
    verbose_name = _("Open-data catalogue")
