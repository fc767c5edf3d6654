from django.core.management.base import BaseCommand, CommandError

from trama.audit.models import ChainHead
from trama.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of one audit chain (e.g. organization:3) or of all chains."

    def add_arguments(self, parser):
        parser.add_argument("chains", nargs="*", help="chain keys; all chains when omitted")

    def handle(self, *chains, **options):
        chains = chains or list(ChainHead.objects.order_by("chain").values_list("chain", flat=True))
        failed = 0
        for chain in chains:
            report = verify_chain(chain)
            if report.ok:
                self.stdout.write(f"OK    {chain}: {report.events} events")
            else:
                failed += 1
                self.stdout.write(f"FAIL  {chain}: {report.problem}")
        if failed:
            raise CommandError(f"{failed} chain(s) failed verification.")
