"""The programs, calls and figures on an organisation's public page (organizations.sections).

Read here, in the outer ring, because `organizations` may not import the apps that hold
them. Only what is public anywhere else: programs, calls published or recorded from
history, proposals once selected (the ranking shows them), accepted figures.
"""

from django.db.models import F

from trama.ledger.figures import Scope, headline_figures
from trama.ledger.models import ContributorTotal, Level
from trama.procedures.models import Procedure, Proposal
from trama.programs.models import Program

SHOWN = 10
LATEST = F("deadline").desc(nulls_last=True)


def programs_calls_and_figures(organization, user) -> dict | None:
    """Its programs (owned, or where it brought resources), its calls and its figures."""
    taking_part = ContributorTotal.objects.filter(
        contributor=organization, level=Level.PROGRAM, year=0
    ).values("scope_id")
    owned = list(
        Program.objects.filter(owner=organization).order_by("-start_year", "title")[: SHOWN + 1]
    )
    partner = list(
        Program.objects.filter(pk__in=taking_part)
        .exclude(owner=organization)
        .select_related("owner")
        .order_by("-start_year", "title")[:SHOWN]
    )
    calls = list(
        Procedure.objects.listed()
        .filter(owner=organization)
        .select_related("program")
        .order_by(LATEST, "-pk")[:SHOWN]
    )
    selected = list(
        Procedure.objects.filter(
            pk__in=Proposal.objects.filter(lead=organization, state=Proposal.State.SELECTED).values(
                "procedure"
            )
        )
        .select_related("owner")
        .order_by(LATEST, "-pk")[:SHOWN]
    )
    brought = headline_figures(Scope(Level.CONTRIBUTOR, organization.pk))
    around = headline_figures(Scope(Level.OWNER, organization.pk)) if owned else None
    if not (owned or partner or calls or selected or brought.has_data):
        return None
    return {
        "owned": owned[:SHOWN],
        "owned_more": len(owned) > SHOWN,
        "partner": partner,
        "calls": calls,
        "selected": selected,
        "brought": brought,
        "around": around,
    }
