from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trama.demo.load import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo data and accounts (only with DEMO_MODE=1); safe to run again."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data exist only in demo mode: set DEMO_MODE=1.")
        accounts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Demo accounts (password: {DEMO_PASSWORD}):")
        )
        for email, label, org in accounts:
            self.stdout.write(f"  {email:28} {label:34} {org}")
