"""Acts that race: two approvals of one ranking, many submissions to one call at once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from trama.ledger.models import LedgerEntry
from trama.procedures import services
from trama.procedures.models import Procedure, Receipt

from .conftest import complete_proposal
from .test_workflow import _evaluate


def _race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            outcomes.append(("ok", action()))
        except ValidationError as exc:
            outcomes.append(("refused", exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_ranking_approved_twice_at_once_is_published_once(bodies, call, time_machine):
    first, second = _evaluate(bodies, call, time_machine)
    quality, resources = call.criteria.all()
    for proposal in (first, second):
        for criterion in (quality, resources):
            services.score_proposal(
                proposal, by=bodies.eve, criterion=criterion, points="30", rationale="Ok"
            )
    outcomes = _race([lambda: services.approve_ranking(call, by=bodies.alice)] * 2)
    assert sorted(kind for kind, _value in outcomes) == ["ok", "refused"]
    assert ("refused", "already_ranked") in outcomes
    # The selected plans became pledges once, not twice.
    assert LedgerEntry.objects.filter(procedure=call).count() == 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_get_distinct_receipts(bodies, call):
    ready = [
        complete_proposal(call, by=bodies.tom, lead=bodies.consortium, title="A"),
        complete_proposal(call, by=bodies.tom, lead=bodies.coop, title="B"),
        complete_proposal(call, by=bodies.una, lead=bodies.aps, title="C"),
    ]
    users = [bodies.tom, bodies.tom, bodies.una]
    outcomes = _race(
        [
            (lambda p=p, u=u: services.submit_proposal(p, by=u).number)
            for p, u in zip(ready, users, strict=True)
        ]
        + [lambda: services.submit_proposal(ready[0], by=bodies.tom).number]  # a double click
    )
    numbers = [value for kind, value in outcomes if kind == "ok"]
    assert len(numbers) == 4 and len(set(numbers)) == 3
    assert Receipt.objects.filter(proposal__procedure=call).count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_call_form_sent_twice_at_once_makes_one_draft(bodies, call):
    def draft():
        return services.draft_call(
            by=bodies.alice, program=call.program, title="Doppio clic", draft_key="k" * 32
        ).pk

    outcomes = _race([draft, draft])
    assert [kind for kind, _value in outcomes] == ["ok", "ok"]
    assert outcomes[0][1] == outcomes[1][1]
    assert Procedure.objects.filter(title="Doppio clic").count() == 1
