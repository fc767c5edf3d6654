import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trama.audit.services import chain_for, verify_chain
from trama.procedures import services
from trama.procedures.models import Procedure

from .conftest import rome


def test_a_coprogramming_from_interest_to_the_codesign_it_starts(
    bodies, coprogramming, time_machine
):
    procedure = coprogramming
    assert procedure.state == Procedure.State.OPEN
    first = services.express_interest(
        procedure, by=bodies.tom, organization=bodies.consortium, motivation="Rete giovani"
    )
    second = services.express_interest(procedure, by=bodies.una, organization=bodies.aps)
    with pytest.raises(ValidationError, match="already expressed interest"):
        services.express_interest(procedure, by=bodies.tom, organization=bodies.consortium)
    with pytest.raises(PermissionDenied):
        services.express_interest(procedure, by=bodies.pat, organization=bodies.coop)  # member
    with pytest.raises(ValidationError, match="after the deadline"):
        services.admit_participants(procedure, by=bodies.alice, decisions={})
    time_machine.move_to(rome(2026, 2, 20, 12, 0, 1), tick=False)
    with pytest.raises(ValidationError, match="only while the call is open"):
        services.express_interest(procedure, by=bodies.tom, organization=bodies.coop)
    with pytest.raises(ValidationError, match="Give the reason"):
        services.admit_participants(
            procedure, by=bodies.alice, decisions={first.pk: (True, ""), second.pk: (False, "")}
        )
    admitted = services.admit_participants(
        procedure,
        by=bodies.alice,
        decisions={first.pk: (True, ""), second.pk: (False, "Fuori ambito")},
        protocol_number="PG 10/2026",
    )
    assert admitted == [bodies.consortium]
    procedure.refresh_from_db()
    assert procedure.state == Procedure.State.PARTICIPANTS_ADMITTED
    assert "Consorzio Lario" in procedure.notices.get(kind="PARTICIPANTS").text
    meeting = services.add_meeting(
        procedure,
        by=bodies.alice,
        title="Tavolo lavoro e formazione",
        held_at=rome(2026, 3, 2, 17, 0),
        agenda="Bisogni; risorse",
    )
    procedure.refresh_from_db()
    assert procedure.state == Procedure.State.WORKING
    services.record_minutes(
        meeting, by=bodies.alice, minutes="Emersi tre bisogni.", attendees=[bodies.consortium]
    )
    services.add_contribution(
        procedure, by=bodies.tom, organization=bodies.consortium, kind="RESOURCE", text="Spazi"
    )
    with pytest.raises(PermissionDenied, match="admitted participants"):
        services.add_contribution(
            procedure, by=bodies.una, organization=bodies.aps, kind="NEED", text="Trasporti"
        )
    with pytest.raises(PermissionDenied):
        services.conclude_coprogramming(procedure, by=bodies.eve, final_document="x")  # not RUP
    procedure = services.conclude_coprogramming(
        procedure, by=bodies.alice, final_document="Piano: tre azioni per i giovani."
    )
    codesign = services.start_codesign(procedure, by=bodies.alice, title="Co-progettazione giovani")
    assert codesign.parent == procedure and codesign.kind == "CO_DESIGN"
    assert codesign.description == "Piano: tre azioni per i giovani."
    assert codesign.territory == "Ambito di Lecco"
    assert verify_chain(chain_for(procedure)).ok


def test_a_coprogramming_has_no_proposals_and_a_historical_procedure_no_transitions(
    bodies, coprogramming
):
    with pytest.raises(ValidationError, match="does not accept proposals"):
        services.start_proposal(
            coprogramming, by=bodies.tom, lead=bodies.consortium, title="Proposta"
        )
    historical = services.record_historical_procedure(
        by=bodies.alice, program=coprogramming.program, title="Avviso 2011", kind="CO_DESIGN"
    )
    with pytest.raises(ValidationError, match="cannot become"):
        services.cancel_procedure(historical, by=bodies.alice, reason="Prova")
