"""The procedures' workflows as data: which state may follow which, and who moves it.

Each transition is one service in `services_calls.py` / `services_evaluation.py`; every one
of them calls `check_transition` first, so a state can only change along these edges.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Procedure

S = Procedure.State
K = Procedure.Kind

# Who may trigger a transition: "officer" is any member of the verified owning public body;
# "rup" is the procedure manager only; "clock" is the deadline passing (any request that
# notices it, or the worker's task).
# "parties" is the last party's signature of the agreement (agreements.services).
OFFICER, RUP, CLOCK, PARTIES = "officer", "rup", "clock", "parties"

TRANSITIONS = {
    K.CO_DESIGN: {
        (S.DRAFT, S.PUBLISHED): OFFICER,
        (S.PUBLISHED, S.CLOSED): CLOCK,
        (S.CLOSED, S.EVALUATION): RUP,
        (S.EVALUATION, S.RANKED): RUP,
        (S.DRAFT, S.CANCELLED): OFFICER,
        (S.PUBLISHED, S.CANCELLED): RUP,
        (S.CLOSED, S.CANCELLED): RUP,
        (S.EVALUATION, S.CANCELLED): RUP,
        (S.RANKED, S.CANCELLED): RUP,
        # After the ranking: the co-design table, the agreement, co-production.
        (S.RANKED, S.TABLE): RUP,
        (S.TABLE, S.CANCELLED): RUP,
        (S.TABLE, S.AGREED): PARTIES,
        (S.AGREED, S.IN_PROGRESS): CLOCK,
        (S.IN_PROGRESS, S.COMPLETED): RUP,
        (S.AGREED, S.TERMINATED): RUP,
        (S.IN_PROGRESS, S.TERMINATED): RUP,
    },
    K.CO_PROGRAMMING: {
        (S.DRAFT, S.OPEN): OFFICER,
        (S.OPEN, S.PARTICIPANTS_ADMITTED): RUP,
        (S.PARTICIPANTS_ADMITTED, S.WORKING): RUP,
        (S.WORKING, S.CONCLUDED): RUP,
        (S.DRAFT, S.CANCELLED): OFFICER,
        (S.OPEN, S.CANCELLED): RUP,
        (S.PARTICIPANTS_ADMITTED, S.CANCELLED): RUP,
        (S.WORKING, S.CANCELLED): RUP,
    },
}


def allowed(procedure: Procedure, target: str) -> str | None:
    """Who may move `procedure` to `target`, or None if that edge does not exist."""
    if procedure.is_historical:
        return None
    return TRANSITIONS.get(procedure.kind, {}).get((procedure.state, target))


def check_transition(procedure: Procedure, target: str) -> str:
    """Refuse a transition that the procedure's workflow has no edge for."""
    who = allowed(procedure, target)
    if who is None:
        raise ValidationError(
            _("A procedure in state “%(state)s” cannot become “%(target)s”.")
            % {"state": procedure.get_state_display(), "target": S(target).label}
        )
    return who


# The acts pages offer, by name: those that move the procedure follow an edge above; the
# others happen inside some states. `ProcedureAccess.can(act)` asks this, so a page offers
# exactly what the services will accept.
MOVES = {
    "publish": {K.CO_DESIGN: S.PUBLISHED, K.CO_PROGRAMMING: S.OPEN},
    "cancel": S.CANCELLED,
    "start_evaluation": S.EVALUATION,
    "rank": S.RANKED,
    "admit_participants": S.PARTICIPANTS_ADMITTED,
    "conclude": S.CONCLUDED,
    "open_table": S.TABLE,
    "complete": S.COMPLETED,
    "terminate": S.TERMINATED,
}
ACTS = {
    "edit": ({S.DRAFT}, OFFICER),
    "extend": ({S.PUBLISHED, S.OPEN}, RUP),
    "appoint": ({S.CLOSED, S.EVALUATION}, RUP),
    # Meetings: the co-programming's thematic tables, the co-design table, and the
    # agreement's steering group during co-production.
    "schedule_meeting": (
        {S.PARTICIPANTS_ADMITTED, S.WORKING, S.TABLE, S.AGREED, S.IN_PROGRESS},
        RUP,
    ),
    "record_minutes": ({S.WORKING, S.TABLE, S.AGREED, S.IN_PROGRESS}, RUP),
    "contribute": ({S.PARTICIPANTS_ADMITTED, S.WORKING}, None),  # admitted participants
    "start_codesign": ({S.CONCLUDED}, RUP),
    # The co-design table (participants: the table's bodies and the officers).
    "edit_project": ({S.TABLE}, None),
    "adopt_project": ({S.TABLE}, RUP),
    "edit_plan": ({S.TABLE}, None),
    # The agreement: issued by the RUP (a new version before every party has signed, or
    # an amendment after), signed by every party.
    "issue_agreement": ({S.TABLE}, RUP),
    "amend_agreement": ({S.AGREED, S.IN_PROGRESS}, RUP),
    "sign_agreement": ({S.TABLE, S.AGREED, S.IN_PROGRESS}, None),
    # Co-production: reports by the lead with every partner, verified by the RUP;
    # payments of the public contribution recorded by the RUP.
    "submit_report": ({S.IN_PROGRESS}, None),
    "verify_report": ({S.IN_PROGRESS}, RUP),
    "record_payment": ({S.AGREED, S.IN_PROGRESS}, RUP),
}


def who_may(procedure: Procedure, act: str) -> str | None:
    """Who may do `act` on the procedure in its state: OFFICER, RUP, None (participants)…

    Returns "" when the act is not possible now at all.
    """
    if procedure.is_historical:
        return ""
    if act in MOVES:
        target = MOVES[act]
        if isinstance(target, dict):
            target = target.get(procedure.kind)
        who = allowed(procedure, target) if target else None
        return "" if who in (None, CLOCK) else who
    states, who = ACTS[act]
    return who if procedure.state in states else ""


def check_act(procedure: Procedure, act: str, message: str) -> None:
    """Refuse an act that the procedure's state does not allow, with the service's reason."""
    if who_may(procedure, act) == "":
        raise ValidationError(message)
