from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "trama.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The apps below this one announce their acts through signals (they may not import
        # it: pyproject.toml's layers); the receivers turn them into notifications.
        from . import receivers  # noqa: F401
