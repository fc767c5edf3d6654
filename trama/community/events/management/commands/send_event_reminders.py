from django.core.management.base import BaseCommand

from trama.community.events import services


class Command(BaseCommand):
    help = "Remind the people registered to sessions starting by the end of tomorrow (once)."

    def handle(self, *args, **options):
        sent = services.send_reminders()
        self.stdout.write(f"{sent} reminder(s) queued")
