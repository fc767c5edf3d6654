from django.core.management.base import BaseCommand, CommandError

from trama.ledger.rebuild import check_rollups, rebuild_rollups


class Command(BaseCommand):
    help = "Recompute the ledger roll-ups from raw entries; report (and with --fix, repair) differences."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="replace the roll-ups with the rebuild"
        )

    def handle(self, *args, fix=False, **options):
        report = rebuild_rollups() if fix else check_rollups()
        for table, key, expected, found in report.differences[:50]:
            self.stdout.write(f"DIFF  {table} {key}: raw {expected} kept {found}")
        if report.ok:
            self.stdout.write(f"OK    {report.checked} roll-up rows match the raw ledger.")
        elif fix:
            self.stdout.write(f"FIXED {len(report.differences)} differing rows were replaced.")
        else:
            raise CommandError(
                f"{len(report.differences)} roll-up rows differ from the raw ledger."
            )
