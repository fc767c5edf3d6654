from django.core.management.base import BaseCommand, CommandError

from trama.benchmarks import submissions as bench


class Command(BaseCommand):
    help = "Submit many proposals to one call over HTTP to gunicorn, the deadline mid-run."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", default=bench.DEFAULT_DATABASE_URL)
        parser.add_argument("--proposals", type=int, default=1000)
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--deadline-after", type=float, default=5.0)
        parser.add_argument("--output")

    def handle(
        self, *args, database_url, proposals, clients, workers, deadline_after, output, **options
    ):
        report = bench.run(
            database_url=database_url,
            proposals=proposals,
            clients=clients,
            workers=workers,
            deadline_after=deadline_after,
            output=output,
            log=self.stdout.write,
        )
        if not report["checks"]["ok"]:
            raise CommandError("The submission checks failed: see the report above.")
