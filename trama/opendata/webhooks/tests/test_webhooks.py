import datetime
import hashlib
import hmac

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from trama.api.tests.conftest import tax_code
from trama.conftest import make_org, make_user
from trama.opendata.webhooks import sending, services
from trama.opendata.webhooks.models import EventKind, WebhookDelivery, WebhookSubscription
from trama.organizations.models import Organization
from trama.procedures import services as procedures
from trama.programs.services import create_program

from .conftest import complete_proposal, rome

MARKER = "SIGILLOWH7"


def subscribe(personas, receiver, kinds, *, path="/hook", organization=None):
    return services.create_subscription(
        organization or personas.comune, by=personas.alice, url=receiver.url(path), kinds=kinds
    )


def publish_call(bodies, *, title="Co-progettazione abitare"):
    program = create_program(
        by=bodies.alice, owner=bodies.comune, title="Welfare", start_year=2026, end_year=2027
    )
    procedure = procedures.create_call(
        by=bodies.alice,
        program=program,
        title=title,
        description="Servizi per l'abitare.",
        deadline=rome(2026, 3, 30, 12, 0),
        clarification_deadline=rome(2026, 3, 20, 12, 0),
        min_score="60",
    )
    procedures.set_criteria(
        procedure, by=bodies.alice, criteria=[{"title": "Qualità", "max_points": "100"}]
    )
    procedures.set_budget(procedure, by=bodies.alice, budget={2026: "100000"})
    return procedures.publish_call(procedure, by=bodies.alice)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(rome(2026, 3, 1, 9, 0), tick=False)
    return time_machine


def verify(secret: str, request) -> bool:
    """What a receiver does (README): HMAC-SHA256 of "timestamp.body" with the secret."""
    timestamp = request.headers["X-Trama-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    return hmac.compare_digest(
        "sha256=" + expected.hexdigest(), request.headers["X-Trama-Signature"]
    )


def test_it_signs_a_published_call_so_the_receiver_can_verify_it(
    bodies, receiver, now, django_capture_on_commit_callbacks
):
    subscription = subscribe(bodies, receiver, [EventKind.CALL_PUBLISHED])

    with django_capture_on_commit_callbacks(execute=True):
        procedure = publish_call(bodies)

    [request] = receiver.requests
    assert verify(subscription.secret, request)
    assert not verify("whsec_another", request)
    assert request.headers["X-Trama-Event"] == "call.published"
    assert request.headers["X-Trama-Timestamp"] == str(int(rome(2026, 3, 1, 9, 0).timestamp()))
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-Trama-Delivery"] == str(delivery.pk)
    payload = request.json
    assert payload["event"] == "call.published"
    assert payload["body"]["tax_code"] == bodies.comune.tax_code
    assert payload["procedure"]["id"] == procedure.pk
    assert payload["procedure"]["url"].endswith(procedure.get_absolute_url())
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("DELIVERED", 1, 200)


def test_it_retries_with_backoff_after_500s_then_succeeds(
    bodies, receiver, now, django_capture_on_commit_callbacks
):
    subscribe(bodies, receiver, [EventKind.CALL_PUBLISHED])
    receiver.codes = [500, 503]

    with django_capture_on_commit_callbacks(execute=True):
        publish_call(bodies)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("PENDING", 500)
    assert delivery.next_attempt_at == rome(2026, 3, 1, 9, 1)
    assert "errore interno" in delivery.response_excerpt
    assert len(delivery.response_excerpt) == 500  # the receiver's long answer, bounded

    now.move_to(rome(2026, 3, 1, 9, 0, 59), tick=False)
    assert sending.deliver_due() == 0  # not yet due
    now.move_to(rome(2026, 3, 1, 9, 1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.response_code, delivery.next_attempt_at) == (503, rome(2026, 3, 1, 9, 6))

    now.move_to(rome(2026, 3, 1, 9, 6), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        sending.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("DELIVERED", 3, 200)
    assert len({r.headers["X-Trama-Delivery"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    assert WebhookSubscription.objects.get().failures == 0


def test_it_disables_after_repeated_failures_and_tells_the_admins_in_italian(
    bodies, receiver, now, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_FAILURES = 3
    subscription = subscribe(bodies, receiver, [EventKind.CALL_PUBLISHED])
    receiver.codes = [500] * 10

    with django_capture_on_commit_callbacks(execute=True):
        publish_call(bodies)
    for minutes in (1, 6):
        now.move_to(rome(2026, 3, 1, 9, minutes), tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            sending.deliver_due()

    subscription.refresh_from_db()
    assert not subscription.active and subscription.disabled_at is not None
    [email] = mail.outbox
    assert email.to == [bodies.alice.email]
    assert "disattivato" in email.subject
    assert "eventi sono conservati" in email.body
    assert reverse("webhooks:list", args=[bodies.comune.slug]) in email.body
    # Disabled: nothing more is tried, until an administrator enables it again.
    now.move_to(rome(2026, 3, 2, 9, 0), tick=False)
    assert sending.deliver_due() == 0
    assert len(receiver.requests) == 3
    receiver.codes = []
    with django_capture_on_commit_callbacks(execute=True):
        services.reenable_subscription(subscription, by=bodies.alice)
    assert WebhookDelivery.objects.get().status == "DELIVERED"


def test_no_delivery_for_unsubscribed_kinds_or_other_bodies(
    bodies, receiver, now, django_capture_on_commit_callbacks
):
    other = make_org(
        "Comune di Valmadrera",
        by=make_user("vera@trama.test"),
        kind=Organization.Kind.PUBLIC_BODY,
        tax_code=tax_code(7),
        verified=True,
    )
    services.create_subscription(
        other,
        by=other.memberships.get().user,
        url=receiver.url("/other"),
        kinds=EventKind.values,
    )
    subscribe(bodies, receiver, [EventKind.DEADLINE_EXTENDED], path="/deadline")

    with django_capture_on_commit_callbacks(execute=True):
        procedure = publish_call(bodies)
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        procedures.extend_deadline(
            procedure, by=bodies.alice, deadline=rome(2026, 4, 15, 12, 0), reason="Più tempo"
        )
    [request] = receiver.requests
    assert request.path == "/deadline"
    assert request.json["procedure"]["deadline"] == rome(2026, 4, 15, 12, 0).isoformat()


def test_a_payload_never_holds_a_sealed_proposal_or_a_private_field(
    bodies, receiver, now, django_capture_on_commit_callbacks
):
    subscribe(bodies, receiver, EventKind.values)
    with django_capture_on_commit_callbacks(execute=True):
        procedure = publish_call(bodies)
        proposal = complete_proposal(
            procedure, by=bodies.tom, lead=bodies.consortium, title=f"Casa {MARKER}"
        )
        procedures.submit_proposal(proposal, by=bodies.tom)
        question = procedures.ask_clarification(
            procedure, by=bodies.tom, question=f"Domanda riservata {MARKER}?"
        )
        procedures.answer_clarification(question, by=bodies.alice, answer="Sì.")
        procedures.extend_deadline(
            procedure, by=bodies.alice, deadline=rome(2026, 4, 15, 12, 0), reason="Più tempo"
        )

    kinds = [r.json["event"] for r in receiver.requests]
    assert kinds == ["call.published", "clarification.published", "deadline.extended"]
    for request in receiver.requests:
        text = request.body.decode()
        assert MARKER not in text
        for private in (bodies.tom.email, bodies.alice.email, "secret", "whsec_", "sha256"):
            assert private not in text
        assert set(request.json) == {"id", "event", "occurred_at", "body", "procedure"}


def test_it_refuses_what_is_not_https_and_private_networks(
    bodies, receiver, settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = False
    with pytest.raises(ValidationError) as refused:
        subscribe(bodies, receiver, [EventKind.CALL_PUBLISHED])
    assert refused.value.error_dict["url"][0].code == "not_https"

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    subscription = services.create_subscription(
        bodies.comune, by=bodies.alice, url="https://127.0.0.1:9/hook", kinds=["call.published"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.send_ping(subscription, by=bodies.alice)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "FAILED" and delivery.response_code is None
    assert "private" in delivery.response_excerpt or "privat" in delivery.response_excerpt
    assert receiver.requests == []


def test_the_pages_show_the_secret_once_and_only_to_the_admins(bodies, receiver, client_for):
    url = reverse("webhooks:create", args=[bodies.comune.slug])
    client = client_for(bodies.alice)
    response = client.post(url, {"url": receiver.url(), "kinds": ["call.published"]})
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in response.content.decode()
    detail = reverse("webhooks:detail", args=[bodies.comune.slug, subscription.pk])
    assert subscription.secret not in client.get(detail).content.decode()
    listing = reverse("webhooks:list", args=[bodies.comune.slug])
    assert subscription.secret not in client.get(listing).content.decode()

    for user, status in ((bodies.eve, 403), (bodies.oscar, 404), (bodies.tom, 404)):
        client = client_for(user)
        assert client.get(listing).status_code == status, user
        assert client.get(detail).status_code == status, user
        assert client.post(url, {"url": receiver.url(), "kinds": ["ping"]}).status_code == status
        delete = reverse("webhooks:delete", args=[bodies.comune.slug, subscription.pk])
        assert client.post(delete).status_code == status
    assert WebhookSubscription.objects.count() == 1
    assert client_for(None).get(listing).status_code == 302


def test_a_reload_adds_no_second_webhook_and_only_public_bodies_have_them(
    bodies, receiver, client_for
):
    url = reverse("webhooks:create", args=[bodies.comune.slug])
    client = client_for(bodies.alice)
    client.post(url, {"url": receiver.url(), "kinds": ["call.published"]})
    again = client.post(url, {"url": receiver.url(), "kinds": ["call.published"]})
    assert "Questo ente invia già i suoi eventi a questo indirizzo." in again.content.decode()
    assert WebhookSubscription.objects.count() == 1
    # The administrators find the pages from the body's own page.
    body = client.get(reverse("organizations:detail", args=[bodies.comune.slug]))
    assert reverse("webhooks:list", args=[bodies.comune.slug]) in body.content.decode()
    # A Third-Sector body runs no procedure: its administrator is told so at once.
    aps = reverse("webhooks:list", args=[bodies.aps.slug])
    refused = client_for(bodies.una).get(aps)
    assert refused.status_code == 404
    assert "I webhook annunciano i procedimenti di un ente pubblico" in refused.content.decode()


def test_the_delivery_log_pages_without_n_plus_one(
    bodies, receiver, client_for, django_assert_max_num_queries
):
    subscription = subscribe(bodies, receiver, [EventKind.CALL_PUBLISHED])
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, kind="ping", event_id=f"e{i}", payload={})
        for i in range(30)
    )
    client = client_for(bodies.alice)
    detail = reverse("webhooks:detail", args=[bodies.comune.slug, subscription.pk])
    with django_assert_max_num_queries(12):
        response = client.get(detail)
    assert response.status_code == 200
    assert response.content.decode().count("<code>ping</code>") == 25


def test_the_api_does_the_same_acts_for_admins_only(bodies, receiver, client, token_for):
    base = f"/api/v1/organizations/{bodies.comune.slug}/webhooks"
    alice = token_for(bodies.alice, "write")
    created = client.post(
        base,
        {"url": receiver.url(), "kinds": ["call.published"]},
        content_type="application/json",
        headers=alice,
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    listed = client.get(base, headers=alice).json()
    assert "secret" not in listed["items"][0]

    refused = client.post(
        base,
        {"url": "http://example.com/", "kinds": ["call.published"]},
        content_type="application/json",
        headers=alice,
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "not_https")
    eve = client.get(base, headers=token_for(bodies.eve, "write"))
    assert (eve.status_code, eve.json()["error"]["code"]) == (403, "forbidden")
    oscar = client.get(base, headers=token_for(bodies.oscar, "write"))
    assert oscar.status_code == 404


@pytest.fixture
def token_for(db):
    from trama.accounts.services import create_api_token

    def make(user, scope="read"):
        _token, key = create_api_token(user, name=f"{scope} token", scope=scope)
        return {"Authorization": f"Bearer {key}"}

    return make


def test_the_backoff_is_the_one_the_readme_states():
    assert [d.total_seconds() for d in sending.BACKOFF] == [
        datetime.timedelta(minutes=m).total_seconds() for m in (1, 5, 30, 120, 720)
    ]
