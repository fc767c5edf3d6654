from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "trama.community.events"
    label = "events"
    verbose_name = _("Community events")

    def ready(self):
        from . import receivers  # noqa: F401
