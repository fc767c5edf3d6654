from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "trama.pages"
    verbose_name = "Pages"

    def ready(self):
        from . import invalidation

        invalidation.connect()
