from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "trama.pages"
    verbose_name = "Pages"

    def ready(self):
        from trama.organizations import sections

        from . import invalidation, organization_page

        invalidation.connect()
        sections.register(
            "pages/organization_section.html", organization_page.programs_calls_and_figures
        )
