"""A network's members and since when: who works together in a territory over time.

A body belongs to the network of a set of programs from the first time it appears in one
of them: as a participant in a call (`Procedure.participants`, the calls recorded from
history), as a party to a signed agreement, or as a contributor to the ledger (the
per-contributor roll-ups: the year of its first pledge or accepted actual). Public bodies
are the administrations the network works with, not members of it. Every read is a fixed
number of queries, whatever the number of programs and bodies.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min

from trama.agreements.models import Party
from trama.ledger.models import ContributorTotal, Level, Measure
from trama.organizations.models import Organization
from trama.procedures.models import Procedure

# What counts as contributing: a pledge, or an actual the owning body accepted.
CONTRIBUTING = (Measure.PLEDGED, Measure.ACCEPTED)


@dataclass(frozen=True)
class Member:
    organization: Organization
    since: datetime.date
    # How the body first appeared: "call", "agreement" or "ledger".
    first_seen_in: str


@dataclass
class Network:
    members: list[Member]

    def size_on(self, day: datetime.date) -> int:
        return sum(1 for member in self.members if member.since <= day)

    def size_by_year(self, first: int, last: int) -> list[tuple[int, int]]:
        """The network's size at the end of each year."""
        return [
            (year, self.size_on(datetime.date(year, 12, 31))) for year in range(first, last + 1)
        ]

    def new_between(self, start: datetime.date, end: datetime.date) -> list[Member]:
        return [m for m in self.members if start <= m.since <= end]


def _first_seen(program_ids) -> dict[int, tuple[datetime.date, str]]:
    first: dict[int, tuple[datetime.date, str]] = {}

    def seen(org_id, day, how):
        if day is not None and (org_id not in first or day < first[org_id][0]):
            first[org_id] = (day, how)

    for org_id, opened_on in Procedure.participants.through.objects.filter(
        procedure__program_id__in=program_ids
    ).values_list("organization_id", "procedure__opened_on"):
        seen(org_id, opened_on, "call")
    for org_id, signed_at in Party.objects.filter(
        agreement__procedure__program_id__in=program_ids, agreement__signed_at__isnull=False
    ).values_list("organization_id", "agreement__signed_at"):
        seen(org_id, signed_at.date(), "agreement")
    for row in (
        ContributorTotal.objects.filter(
            level=Level.PROGRAM,
            scope_id__in=program_ids,
            measure__in=CONTRIBUTING,
            amount__gt=0,
        )
        .exclude(year=0)
        .values("contributor_id")
        .annotate(first=Min("year"))
        .order_by()
    ):
        seen(row["contributor_id"], datetime.date(row["first"], 1, 1), "ledger")
    return first


def network_of(program_ids) -> Network:
    """The network of the given programs: its non-public members, oldest first."""
    program_ids = list(program_ids)
    if not program_ids:
        return Network([])
    first = _first_seen(program_ids)
    orgs = Organization.objects.filter(pk__in=first).exclude(kind=Organization.Kind.PUBLIC_BODY)
    members = [Member(org, *first[org.pk]) for org in orgs]
    members.sort(key=lambda m: (m.since, m.organization.name))
    return Network(members)


def new_members_per_procedure(program_ids) -> dict[int, tuple[int, int]]:
    """For each call of the programs: (Third-Sector bodies taking part, of which new to the
    network). A body is new in the first call it appears in; calls are taken in the order
    they opened."""
    rows = defaultdict(set)
    opened = {}
    for procedure_id, opened_on, org_id in Procedure.participants.through.objects.filter(
        procedure__program_id__in=program_ids,
        organization__kind=Organization.Kind.THIRD_SECTOR,
    ).values_list("procedure_id", "procedure__opened_on", "organization_id"):
        rows[procedure_id].add(org_id)
        opened[procedure_id] = opened_on or datetime.date.max
    for procedure_id, opened_on, org_id in Party.objects.filter(
        agreement__procedure__program_id__in=program_ids,
        agreement__signed_at__isnull=False,
        organization__kind=Organization.Kind.THIRD_SECTOR,
    ).values_list("agreement__procedure_id", "agreement__procedure__opened_on", "organization_id"):
        rows[procedure_id].add(org_id)
        opened[procedure_id] = opened_on or datetime.date.max
    known: set[int] = set()
    result = {}
    for procedure_id in sorted(rows, key=lambda pk: (opened[pk], pk)):
        bodies = rows[procedure_id]
        result[procedure_id] = (len(bodies), len(bodies - known))
        known |= bodies
    return result
