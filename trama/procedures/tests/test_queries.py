"""A procedure with 200 proposals renders its pages with a bounded number of queries."""

from django.urls import reverse
from django.utils import timezone

from trama.organizations.models import Organization
from trama.procedures import services
from trama.procedures.models import Proposal, ProposalPartner, Receipt

from .conftest import rome


def _many_proposals(call, bodies, n=200):
    town = bodies.consortium.municipality
    leads = Organization.objects.bulk_create(
        Organization(
            name=f"Cooperativa {i}",
            slug=f"coop-q-{i}",
            kind="THIRD_SECTOR",
            legal_form="SOCIAL_COOPERATIVE",
            runts_number=str(500 + i),
            municipality=town,
        )
        for i in range(n)
    )
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            procedure=call,
            lead=lead,
            title=f"Proposta {i}",
            state=Proposal.State.SUBMITTED,
            created_by=bodies.tom,
            submitted_by=bodies.tom,
            submitted_at=now,
        )
        for i, lead in enumerate(leads)
    )
    ProposalPartner.objects.bulk_create(
        ProposalPartner(proposal=p, organization=p.lead, role="LEAD", confirmed_at=now)
        for p in proposals
    )
    Receipt.objects.bulk_create(
        Receipt(
            proposal=p,
            number=f"{call.pk}-{i:05d}",
            issued_at=now,
            canonical_json="{}",
            sha256=f"{i:064d}",
        )
        for i, p in enumerate(proposals)
    )


def test_the_evaluation_desk_and_the_call_page_with_200_proposals(
    bodies, call, client_for, time_machine, django_assert_max_num_queries
):
    _many_proposals(call, bodies)
    time_machine.move_to(rome(2026, 3, 31, 9, 0), tick=False)
    services.appoint_evaluator(call, by=bodies.alice, user=bodies.eve)
    services.start_evaluation(call, by=bodies.alice)
    services.declare_interests(call, by=bodies.alice, has_conflict=False)
    services.declare_interests(call, by=bodies.eve, has_conflict=False)
    client = client_for(bodies.alice)
    with django_assert_max_num_queries(25):
        desk = client.get(reverse("procedures:desk", args=[call.pk]))
    assert desk.content.decode().count("Ammetti") == 200
    client = client_for(bodies.eve)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("procedures:desk", args=[call.pk])).status_code == 200
    with django_assert_max_num_queries(25):
        assert client_for(None).get(reverse("procedures:call", args=[call.pk])).status_code == 200
