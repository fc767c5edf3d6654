from django.core.management.base import BaseCommand

from trama.opendata.ocds import bulk


class Command(BaseCommand):
    help = "Rebuild the OCDS bulk files (JSON Lines and zip per year) now."

    def handle(self, *args, **options):
        counts = bulk.rebuild()
        for year, count in sorted(counts.items()):
            self.stdout.write(f"{year}: {count} releases")
        if not counts:
            self.stdout.write("No published release.")
