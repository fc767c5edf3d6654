from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsNewConfig(AppConfig):
    name = "trama.community.whatsnew"
    label = "whatsnew"
    verbose_name = _("What's new in the community")
