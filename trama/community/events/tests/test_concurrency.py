"""Two people ask for the last place at the same instant: one gets it, one waits."""

import threading

import pytest
from django.db import connections

from trama.community.events import services
from trama.community.events.models import Registration

from .conftest import make_event


@pytest.mark.django_db(transaction=True)
def test_two_people_for_the_last_place_one_gets_it(people):
    session = make_event(people.alice, capacity=2).sessions.get()
    services.register(session, by=people.eve)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            outcomes.append(services.register(session, by=user).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in (people.tom, people.pat)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["CONFIRMED", "WAITING"]
    assert Registration.objects.confirmed().filter(session=session).count() == 2
