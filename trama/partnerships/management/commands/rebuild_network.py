from django.core.management.base import BaseCommand, CommandError

from trama.partnerships import network, story


class Command(BaseCommand):
    help = (
        "Recompute the networks' roll-ups (each body's first day in each program, public body, "
        "province and region) and the territories' story steps from the programs, calls, "
        "agreements, partnerships and ledger roll-ups; report (and with --fix, replace) "
        "differences."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="replace the kept rows")

    def handle(self, *args, fix=False, **options):
        if fix:
            network.rebuild()
            story.rebuild()
            self.stdout.write(
                f"REBUILT {len(network.kept_rows())} member rows, "
                f"{len(story.kept_rows())} story steps."
            )
            return
        report = network.check()
        if report["members_differing"] or report["steps_differing"]:
            raise CommandError(
                f"{report['members_differing']} member rows and {report['steps_differing']} "
                "story steps differ from the sources (run with --fix)."
            )
        self.stdout.write("OK    the networks and the stories match their sources.")
