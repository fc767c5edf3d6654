from django.core.management.base import BaseCommand

from trama.procedures import services


class Command(BaseCommand):
    help = "Close calls whose deadline has passed and remind drafts of a near deadline."

    def handle(self, *args, **options):
        closed = services.close_due_procedures()
        reminded = services.send_deadline_reminders()
        self.stdout.write(f"{closed} call(s) closed, {reminded} draft(s) reminded.")
