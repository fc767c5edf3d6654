from django.core.management.base import BaseCommand

from trama.territories.services import load_territories


class Command(BaseCommand):
    help = "Load or update Italian regions, provinces and municipalities (ISTAT, offline)."

    def handle(self, *args, **options):
        report = load_territories()
        self.stdout.write(
            f"{report.regions} regions, {report.provinces} provinces, "
            f"{report.municipalities} municipalities loaded."
        )
