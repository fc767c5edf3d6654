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
OFFICER, RUP, CLOCK = "officer", "rup", "clock"

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
