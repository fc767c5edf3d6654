from django.core.management.base import BaseCommand

from trama.community.discussions.services import send_digests


class Command(BaseCommand):
    help = "Send the discussions' daily digests (a second run the same day sends nothing)."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"{sent} digest(s) queued")
