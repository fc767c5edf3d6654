from django.core.management.base import BaseCommand

from trama.ledger import ranges


class Command(BaseCommand):
    help = (
        "Recompute the country's contributor rankings over every range of years from the "
        "roll-ups (after a write to a year outside their span dropped them; see ledger/ranges.py)."
    )

    def handle(self, *args, **options):
        rows = ranges.materialize()
        spans = {str(measure): ranges.span(measure) for measure in ranges.BASES}
        self.stdout.write(f"{rows} rows; spans {spans}")
