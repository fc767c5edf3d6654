"""Test data from the co-design table (helper "table"), for the agreement's tests.

`at_table(personas, program)`: a co-design call at the table (the consortium, lead, with the
coop selected), optionally with its shared project adopted.
"""

from trama.procedures import services
from trama.procedures.tests.table_support import past, ranked_call, signed_pdf

__all__ = ["at_table", "ranked_call"]


def at_table(personas, program, *, adopted=False, title="Co-progettazione abitare"):
    call, selected, _others = ranked_call(personas, program, title=title)
    version = services.open_table(call, by=personas.alice)
    if adopted:
        services.adopt_project(
            call,
            by=personas.alice,
            version=version,
            act_number="DD 1/2026",
            act_date=past().date(),
            reasons="Progetto condiviso dal tavolo",
            upload=signed_pdf(),
        )
    call.refresh_from_db()
    return call, selected
