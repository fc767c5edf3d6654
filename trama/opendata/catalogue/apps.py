from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "trama.opendata.catalogue"
    label = "catalogue"
    verbose_name = _("Open-data catalogue")

    def ready(self):
        checks.register(publisher_is_set, checks.Tags.compatibility, deploy=True)


# The defaults that make `make run` work, and that no real catalogue may carry.
PLACEHOLDERS = {
    "OPENDATA_PUBLISHER_ID": "trama",
    "OPENDATA_CONTACT_EMAIL": "opendata@trama.localhost",
}


def publisher_is_set(app_configs, **kwargs):
    """`check --deploy`: the catalogue names a real publisher (dati.gov.it refuses the rest)."""
    from django.conf import settings

    return [
        checks.Warning(
            f"{name} is still the placeholder {value!r}: the DCAT-AP_IT catalogue would name "
            "no real publisher.",
            hint="Set OPENDATA_PUBLISHER_ID to the IPA code of the administration running "
            "Trama and OPENDATA_CONTACT_EMAIL to its open-data contact (README, Data catalogue).",
            id="catalogue.W001",
        )
        for name, value in PLACEHOLDERS.items()
        if getattr(settings, name) == value
    ]
