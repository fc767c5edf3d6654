from django.core.management.base import BaseCommand

from trama.community.search.index import rebuild


class Command(BaseCommand):
    help = "Write the search index again from every searchable thing (calls, bodies, members…)."

    def handle(self, *args, **options):
        self.stdout.write(f"OK    {rebuild()} documents indexed.")
