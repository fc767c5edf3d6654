"""A procedure that ran before Trama, recorded in its program's history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.organizations.access import check_acts_for_public_body

from ..models import Procedure


def record_historical_procedure(
    *,
    by,
    program,
    title,
    kind,
    opened_on=None,
    closed_on=None,
    reference="",
    participants=(),
    description="",
) -> Procedure:
    """Record a procedure that ran before Trama: final state, no workflow, no sealing."""
    check_acts_for_public_body(by, program.owner)
    if not (title or "").strip():
        message = _("Give the procedure a title.")
        raise ValidationError({"title": ValidationError(message, code="required")})
    if opened_on and closed_on and closed_on < opened_on:
        message = _("The procedure cannot close before it opens.")
        raise ValidationError({"closed_on": ValidationError(message, code="closes_before_opening")})
    with transaction.atomic():
        procedure = Procedure.objects.create(
            program=program,
            owner=program.owner,
            title=title.strip(),
            kind=kind,
            origin=Procedure.Origin.HISTORICAL,
            state=Procedure.State.COMPLETED,
            opened_on=opened_on,
            closed_on=closed_on,
            reference=reference,
            description=description,
        )
        procedure.participants.set(participants)
        record_event(
            chain_for(program),
            "procedure.recorded",
            by=by,
            target=procedure,
            data={"title": procedure.title, "kind": kind},
        )
    return procedure
