"""What every act on a procedure shares: the row lock, who may act, the audit event."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.organizations.access import check_acts_for_public_body

from ..models import Procedure
from ..workflow import RUP


def locked(procedure: Procedure) -> Procedure:
    """The procedure's row, locked until the transaction ends: its acts queue on it."""
    return Procedure.objects.select_for_update().get(pk=procedure.pk)


def check_actor(procedure: Procedure, by, who: str) -> None:
    """`by` acts for the verified owning body and, for a RUP's act, is the RUP."""
    check_acts_for_public_body(by, procedure.owner)
    if who == RUP and procedure.rup_id != by.pk:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))


def event(procedure: Procedure, action: str, *, by=None, target=None, public=False, **data):
    """Append an act to the procedure's own hash chain; `public` acts are shown to all."""
    return record_event(
        chain_for(procedure), action, by=by, target=target, data={"public": public, **data}
    )
