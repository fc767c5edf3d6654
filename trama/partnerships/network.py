"""A network's members and since when: who works together in a territory over time.

A body belongs to the network of a set of programs from the first time it appears in one
of them: as a participant in a call (`Procedure.participants`, the calls recorded from
history), as a party to a signed agreement, or as a contributor to the ledger (the
per-contributor roll-ups: the year of its first pledge or accepted actual). Public bodies
are the administrations the network works with, not members of it. Every read is a fixed
number of queries, whatever the number of programs and bodies.

`member_days` and `new_members_per_procedure` are computed in the database (one query
each), so that a region's thousands of calls, parties and contributors are never loaded
row by row; `member_days` may read the contributors from a wider roll-up (a region's, an
owner's) that covers exactly the programs given, instead of one row set per program.
"""

import datetime
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Min

from trama.agreements.models import Agreement, Party
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


@contextmanager
def without_jit():
    """Reads of a territory's many rows, without PostgreSQL's JIT compilation: their cost
    estimates pass `jit_above_cost`, and compiling (about a second on the national
    benchmark data set) takes far longer than the queries themselves (tens of ms)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _tables() -> dict:
    return {
        "participants": Procedure.participants.through._meta.db_table,
        "procedure": Procedure._meta.db_table,
        "party": Party._meta.db_table,
        "agreement": Agreement._meta.db_table,
        "organization": Organization._meta.db_table,
        "contributor_total": ContributorTotal._meta.db_table,
    }


# Each body's first day in the network: the earliest of its calls' opening, its signed
# agreements' day (UTC, as `_first_seen` reads `signed_at.date()`) and its first year of
# contributing, public bodies left out. The days only, oldest first.
MEMBER_DAYS = """
SELECT s.since
FROM (SELECT org_id, min(day) AS since
      FROM (SELECT pp.organization_id AS org_id, p.opened_on AS day
            FROM {participants} pp JOIN {procedure} p ON p.id = pp.procedure_id
            WHERE p.program_id = ANY(%(programs)s) AND p.opened_on IS NOT NULL
            UNION ALL
            SELECT pa.organization_id, (a.signed_at AT TIME ZONE 'UTC')::date
            FROM {party} pa JOIN {agreement} a ON a.id = pa.agreement_id
            JOIN {procedure} p ON p.id = a.procedure_id
            WHERE p.program_id = ANY(%(programs)s) AND a.signed_at IS NOT NULL
            UNION ALL
            SELECT contributor_id, make_date(min(year), 1, 1)
            FROM {contributor_total}
            WHERE level = %(level)s AND scope_id = ANY(%(scopes)s)
              AND measure = ANY(%(measures)s) AND amount > 0 AND year <> 0
            GROUP BY contributor_id) AS seen
      GROUP BY org_id) AS s
JOIN {organization} o ON o.id = s.org_id
WHERE o.kind <> %(public)s
ORDER BY 1
"""


def member_days(program_ids, scope=None) -> list[datetime.date]:
    """The days the network's members joined, oldest first: the same as
    `[m.since for m in network_of(program_ids).members]`, in one query and without loading
    the organisations (what a territory's timeline and comparison need).

    `scope` (a `ledger.figures.Scope`) is a roll-up that covers exactly these programs — a
    region's or a province's for the programs of its public bodies, the owners' for theirs
    — and is read for the contributors instead of the programs' own rows (fewer rows: one
    per contributor and year rather than per program too). The amounts of every roll-up are
    never negative (a reversal takes back an entry counted in the same cells), so a body
    has a positive amount in a year at the wider scope exactly when it has one in one of
    the programs.
    """
    program_ids = list(program_ids)
    if not program_ids:
        return []
    if connection.vendor != "postgresql":
        # The embedded SQLite of `make run`: the same days, read through the ORM.
        return [member.since for member in network_of(program_ids).members]
    if scope is None:
        level, scopes = Level.PROGRAM, program_ids
    else:
        level, scopes = scope.level, list(scope.ids) or [scope.id]
    with connection.cursor() as cursor:
        cursor.execute(
            MEMBER_DAYS.format(**_tables()),
            {
                "programs": program_ids,
                "level": level,
                "scopes": scopes,
                "measures": list(CONTRIBUTING),
                "public": Organization.Kind.PUBLIC_BODY,
            },
        )
        return [row[0] for row in cursor.fetchall()]


# For each call: the Third-Sector bodies taking part (participants of the call, parties to
# its signed agreement) and how many of them take part here for the first time, the calls
# in the order they opened (never opened: last, as `datetime.date.max`), then by id.
NEW_MEMBERS = """
WITH taking_part AS (
  SELECT pp.procedure_id, pp.organization_id
  FROM {participants} pp JOIN {procedure} p ON p.id = pp.procedure_id
  JOIN {organization} o ON o.id = pp.organization_id
  WHERE p.program_id = ANY(%(programs)s) AND o.kind = %(third_sector)s
  UNION
  SELECT a.procedure_id, pa.organization_id
  FROM {party} pa JOIN {agreement} a ON a.id = pa.agreement_id
  JOIN {procedure} p ON p.id = a.procedure_id
  JOIN {organization} o ON o.id = pa.organization_id
  WHERE p.program_id = ANY(%(programs)s) AND a.signed_at IS NOT NULL
    AND o.kind = %(third_sector)s
), ordered AS (
  SELECT t.procedure_id, coalesce(p.opened_on, DATE '9999-12-31') AS opened,
         row_number() OVER (PARTITION BY t.organization_id
                            ORDER BY coalesce(p.opened_on, DATE '9999-12-31'), t.procedure_id)
           AS nth
  FROM taking_part t JOIN {procedure} p ON p.id = t.procedure_id
)
SELECT procedure_id, count(*), count(*) FILTER (WHERE nth = 1)
FROM ordered
GROUP BY procedure_id, opened
ORDER BY opened, procedure_id
"""


def new_members_per_procedure(program_ids) -> dict[int, tuple[int, int]]:
    """For each call of the programs: (Third-Sector bodies taking part, of which new to the
    network). A body is new in the first call it appears in; calls are taken in the order
    they opened (the calls in that order)."""
    program_ids = list(program_ids)
    if not program_ids:
        return {}
    if connection.vendor != "postgresql":
        return _new_members_in_python(program_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            NEW_MEMBERS.format(**_tables()),
            {"programs": program_ids, "third_sector": Organization.Kind.THIRD_SECTOR},
        )
        return {pk: (taking_part, new) for pk, taking_part, new in cursor.fetchall()}


def _new_members_in_python(program_ids) -> dict[int, tuple[int, int]]:
    """`new_members_per_procedure` through the ORM, for the embedded SQLite."""
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
