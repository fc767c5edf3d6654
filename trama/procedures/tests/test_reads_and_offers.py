"""Pages offer exactly what the workflow table allows, and reading a page never writes."""

from django.urls import reverse

from trama.audit.models import AuditEvent
from trama.procedures import services
from trama.procedures.models import Procedure

from .conftest import complete_proposal, rome


def test_the_cancel_form_is_offered_only_to_officers_the_table_allows(bodies, call, client_for):
    url = reverse("procedures:call", args=[call.pk])
    # A published call is cancelled by its RUP (Alice) only, not by another officer (Eve).
    assert 'data-testid="cancel-link"' in client_for(bodies.alice).get(url).content.decode()
    assert 'data-testid="cancel-link"' not in client_for(bodies.eve).get(url).content.decode()
    cancel = reverse("procedures:call_cancel", args=[call.pk])
    assert client_for(bodies.eve).get(cancel).status_code == 403
    refused = client_for(bodies.eve).post(cancel, {"reason": "Errore"})
    assert refused.status_code == 403
    call.refresh_from_db()
    assert call.state == Procedure.State.PUBLISHED
    # A draft is cancelled by any officer of the body: Eve gets the form there.
    draft = services.create_call(by=bodies.alice, program=call.program, title="Bozza")
    draft_url = reverse("procedures:call", args=[draft.pk])
    assert 'data-testid="cancel-link"' in client_for(bodies.eve).get(draft_url).content.decode()
    # Outsiders get no officer's forms at all.
    assert 'data-testid="cancel-link"' not in client_for(bodies.tom).get(url).content.decode()


def test_a_due_call_reads_closed_but_its_pages_write_nothing(
    bodies, call, client_for, time_machine
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    services.submit_proposal(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 30, 12, 0, 1), tick=False)
    acts = AuditEvent.objects.exclude(action="account.login")  # signing in is an act
    events = acts.count()
    pages = [
        (bodies.alice, reverse("procedures:call", args=[call.pk])),
        (bodies.alice, reverse("procedures:desk", args=[call.pk])),
        (None, reverse("procedures:call", args=[call.pk])),
        (None, reverse("procedures:calls") + "?status=all"),
        (bodies.tom, reverse("procedures:proposal", args=[proposal.pk])),
    ]
    for persona, url in pages:
        page = client_for(persona).get(url).content.decode()
        assert "Chiuso" in page or url.startswith("/proposte/"), url
    assert 'data-state="CLOSED"' in client_for(None).get(pages[0][1]).content.decode()
    desk = client_for(bodies.alice).get(pages[1][1]).content.decode()
    assert "Nomina" in desk and "sigillate" not in desk  # the desk opens at the deadline
    call.refresh_from_db()
    assert call.state == Procedure.State.PUBLISHED and call.closed_at is None
    assert acts.count() == events
    # Submissions are refused by the deadline; the closing write is the housekeeping's.
    assert services.close_due_procedures() == 1
    call.refresh_from_db()
    assert call.state == Procedure.State.CLOSED
    assert AuditEvent.objects.filter(action="procedure.closed").count() == 1
