"""Officers verify and funders confirm several entries at once: select, review, act once.

alice and eve are officers of the Comune that owns the program; tom records for the coop;
fiona speaks for the foundation.
"""

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from trama.audit.models import AuditEvent
from trama.ledger import services
from trama.ledger.models import FunderConfirmation, Verification

pytestmark = pytest.mark.django_db


def record(program, by, contributor, amount, **extra):
    return services.record_entry(
        by=by,
        program=program,
        kind=extra.pop("kind", "ACTUAL"),
        category="ECONOMIC",
        source=extra.pop("source", "OWN_RESOURCES"),
        contributor=contributor,
        year=2017,
        amount=amount,
        **extra,
    )


def latest(entry, model):
    return model.objects.filter(entry=entry).order_by("-pk").values_list("status", flat=True)[0]


def review_url(name, ids, *args, next_url=""):
    query = [("entries", pk) for pk in ids] + ([("next", next_url)] if next_url else [])
    return f"{reverse(name, args=args)}?{urlencode(query)}"


def token_of(html):
    return re.search(r'name="review_token" value="([^"]+)"', html).group(1)


def test_the_officer_accepts_several_actuals_after_one_review(personas, program, client_for):
    p = personas
    entries = [record(program, p.tom, p.coop, amount) for amount in ("100.00", "250.50", "9.50")]
    left = record(program, p.tom, p.coop, "70.00")
    client = client_for(p.alice)
    queue = reverse("ledger:queue", args=[program.slug])
    target = review_url("ledger:queue_verify", [e.pk for e in entries], program.slug)
    events = AuditEvent.objects.count()

    page = client.get(target)
    html = unescape(page.content.decode())
    # One review: what will be accepted, its total, and nothing changed yet.
    assert page.status_code == 200
    assert re.findall(r'<tr data-entry="(\d+)"', html) == [str(e.pk) for e in entries]
    assert 'data-total="actual">360,00\xa0€' in html
    assert "non si può annullare" in html
    assert all(latest(e, Verification) == "PENDING" for e in entries)

    response = client.post(target, {"review_token": token_of(html)})
    assert response["Location"] == queue
    assert all(latest(e, Verification) == "ACCEPTED" for e in entries)
    assert latest(left, Verification) == "PENDING"
    # One audit event per entry.
    assert AuditEvent.objects.count() == events + 3
    assert AuditEvent.objects.filter(action="ledger.verified").count() == 3
    # The second click of a double click acts no more.
    again = client.post(target, {"review_token": token_of(html)})
    assert again.status_code == 302
    assert AuditEvent.objects.count() == events + 3
    remaining = re.findall(r'<tr id="queue-row-(\d+)"', client.get(queue).content.decode())
    assert remaining == [str(left.pk)]


def test_a_row_someone_else_handled_is_reported_and_the_others_act(personas, program, client_for):
    p = personas
    first, second = (record(program, p.tom, p.coop, "10.00") for _ in range(2))
    client = client_for(p.eve)
    target = review_url("ledger:queue_verify", [first.pk, second.pk], program.slug)
    html = unescape(client.get(target).content.decode())
    # alice rejects the first one while eve reads the review.
    services.verify_entry(first, by=p.alice, accept=False, reason="Manca la fattura")
    response = client.post(target, {"review_token": token_of(html)})
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert latest(first, Verification) == "REJECTED"  # not overturned
    assert latest(second, Verification) == "ACCEPTED"
    assert any(re.search(rf"\b{first.pk}\b", note) for note in notes)  # "n. 12" in Italian
    # Rows already handled when the review opens are listed as left out.
    fresh = record(program, p.tom, p.coop, "5.00")
    stale = client.get(review_url("ledger:queue_verify", [first.pk, fresh.pk], program.slug))
    html = unescape(stale.content.decode())
    assert re.findall(r'<tr data-entry="(\d+)"', html) == [str(fresh.pk)]
    assert re.search(rf"\b{first.pk}\b", html.split("data-handled")[1])


def test_only_the_owner_verifies_in_bulk(personas, program, client_for):
    entry = record(program, personas.tom, personas.coop, "10.00")
    target = review_url("ledger:queue_verify", [entry.pk], program.slug)
    for who in (personas.tom, personas.fiona, personas.oscar):
        client = client_for(who)
        assert client.get(target).status_code == 403
        assert client.post(target, {"review_token": "x"}).status_code == 403
    assert latest(entry, Verification) == "PENDING"


def test_too_many_entries_at_once_are_refused(personas, program, client_for):
    target = review_url("ledger:queue_verify", range(1, 103), program.slug)
    response = client_for(personas.alice).get(target)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="ledger.verified").count() == 0


def test_the_funder_confirms_several_grants_after_one_review(personas, program, client_for):
    p = personas
    grants = [
        record(program, p.tom, p.coop, "300.00", source="FOUNDATION_GRANT", funder=p.foundation),
        record(
            program,
            p.tom,
            p.coop,
            "120.00",
            source="FOUNDATION_GRANT",
            funder=p.foundation,
            kind="PLEDGE",
        ),
    ]
    client = client_for(p.fiona)
    queue = reverse("ledger:funder_queue") + "?order=newest"
    target = review_url("ledger:queue_confirm", [g.pk for g in grants], next_url=queue)
    html = unescape(client.get(target).content.decode())
    # Pledges and actuals are totalled apart, never added up together.
    assert 'data-total="actual">300,00\xa0€' in html and 'data-total="pledged">120,00\xa0€' in html
    assert not FunderConfirmation.objects.exists()
    response = client.post(target, {"review_token": token_of(html)})
    assert response["Location"] == queue
    assert [latest(g, FunderConfirmation) for g in grants] == ["CONFIRMED", "CONFIRMED"]
    assert AuditEvent.objects.filter(action="ledger.funder_confirmed").count() == 2
    client.post(target, {"review_token": token_of(html)})
    assert FunderConfirmation.objects.count() == 2
    # Someone who speaks for no funder has nothing to confirm.
    assert client_for(p.tom).get(target).status_code == 403
