from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trama.territories.services import load_population


class Command(BaseCommand):
    help = (
        "Load each municipality's resident population from ISTAT's CSV table, as downloaded "
        "from demo.istat.it (population on 1 January, by municipality)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the CSV file")
        parser.add_argument(
            "--year", type=int, help="the year of the figures, if the file's title has none"
        )

    def handle(self, *args, path, year=None, **options):
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            report = load_population(path, year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Population {report.year or '(year unknown)'}: {report.updated} municipalities "
            "updated."
        )
        if report.unknown:
            self.stdout.write(
                f"{len(report.unknown)} codes not among the municipalities (load_territories "
                f"first, or an older list): {', '.join(report.unknown[:10])}"
            )
