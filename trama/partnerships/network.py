"""A network's members and since when: who works together in a territory over time.

A body belongs to the network of a set of programs from the first time it appears in one
of them: as a participant in a call (`Procedure.participants`, the calls recorded from
history), as a party to a signed agreement, or as a contributor to the ledger (the
per-contributor roll-ups: the year of its first pledge or accepted actual). Public bodies
are the administrations the network works with, not members of it. A Third-Sector body is
new to the network in the first call it takes part in (as a participant, or a party to the
call's signed agreement).

These are kept on write, like the ledger's roll-ups: `NetworkMember` holds each body's
first day (and first call) in the network of every program, public body (owner),
province and region it belongs to (the Third-Sector bodies taking part in each call are
counted on its step of the story, `story.py`). Every write that can move them calls `refresh` for the (program, body) pairs
it touched (`apps.py` connects the signals); a ledger write that only adds to a
contribution moves the first day forward in one statement (`grow`). `rebuild` recomputes
everything from the calls, agreements and roll-ups; `check` compares the two. A
territory's network — a region's tens of thousands of bodies — is then read from one
scope's rows, never from its calls, agreements and contributors one by one.
"""

import datetime
from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Min, Q

from trama.agreements.models import Agreement, Party
from trama.ledger.models import ContributorTotal, Level
from trama.ledger.rollups import CONTRIBUTING
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.models import Program

from . import story
from .models import NetworkMember, StoryStep

How = NetworkMember.How
WIDER = (Level.OWNER, Level.PROVINCE, Level.REGION)
_HOW_ORDER = {How.CALL: 0, How.AGREEMENT: 1, How.LEDGER: 2}
_NEVER = datetime.date.max


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


@dataclass
class _First:
    """One body's first day and first call in one scope, as the sources are read."""

    third_sector: bool = False
    since: datetime.date | None = None
    how: str = ""
    call: int | None = None
    opened: datetime.date | None = None

    def see(self, day, how) -> None:
        if day is None:
            return
        if self.since is None or (day, _HOW_ORDER[how]) < (self.since, _HOW_ORDER[self.how]):
            self.since, self.how = day, how

    def take_part(self, call, opened) -> None:
        if call is None:
            return
        if self.call is None or (opened or _NEVER, call) < (self.opened or _NEVER, self.call):
            self.call, self.opened = call, opened

    def merge(self, other: "_First") -> None:
        self.third_sector = other.third_sector
        self.see(other.since, other.how)
        self.take_part(other.call, other.opened)

    def row(self, level, scope_id, org_id) -> NetworkMember:
        return NetworkMember(
            level=level,
            scope_id=scope_id,
            organization_id=org_id,
            third_sector=self.third_sector,
            since=self.since,
            how=self.how,
            first_call_id=self.call,
            first_call_opened=self.opened,
        )


def _per_program(program_ids, org_ids=None) -> dict[tuple[int, int], _First]:
    """Each non-public body's first day and call in each of the programs, from the
    sources: the calls' participants, the signed agreements' parties, the roll-ups."""
    firsts: dict[tuple[int, int], _First] = defaultdict(_First)
    participants = Procedure.participants.through.objects.filter(
        procedure__program_id__in=program_ids
    )
    parties = Party.objects.filter(
        agreement__procedure__program_id__in=program_ids, agreement__signed_at__isnull=False
    )
    contributors = ContributorTotal.objects.filter(
        level=Level.PROGRAM, scope_id__in=program_ids, measure__in=CONTRIBUTING, amount__gt=0
    ).exclude(year=0)
    if org_ids is not None:
        participants = participants.filter(organization_id__in=org_ids)
        parties = parties.filter(organization_id__in=org_ids)
        contributors = contributors.filter(contributor_id__in=org_ids)
    counted = set(
        story.counted_calls()
        .filter(program_id__in=program_ids)
        .exclude(kind=Procedure.Kind.DUAL_PURPOSE_TENDER)
        .values_list("pk", flat=True)
    )
    for org_id, program_id, call, opened in participants.values_list(
        "organization_id", "procedure__program_id", "procedure_id", "procedure__opened_on"
    ):
        first = firsts[program_id, org_id]
        first.see(opened, How.CALL)
        if call in counted:
            first.take_part(call, opened)
    for org_id, program_id, call, opened, signed_at in parties.values_list(
        "organization_id",
        "agreement__procedure__program_id",
        "agreement__procedure_id",
        "agreement__procedure__opened_on",
        "agreement__signed_at",
    ):
        first = firsts[program_id, org_id]
        # The day in UTC, as the set-based rebuild reads it.
        first.see(signed_at.astimezone(datetime.UTC).date(), How.AGREEMENT)
        if call in counted:
            first.take_part(call, opened)
    for row in (
        contributors.values("scope_id", "contributor_id").annotate(first=Min("year")).order_by()
    ):
        firsts[row["scope_id"], row["contributor_id"]].see(
            datetime.date(row["first"], 1, 1), How.LEDGER
        )
    kinds = dict(
        Organization.objects.filter(pk__in={org for _p, org in firsts}).values_list("pk", "kind")
    )
    result = {}
    for (program_id, org_id), first in firsts.items():
        kind = kinds.get(org_id)
        if kind is None or kind == Organization.Kind.PUBLIC_BODY:
            continue
        first.third_sector = kind == Organization.Kind.THIRD_SECTOR
        result[program_id, org_id] = first
    return result


def _places(program_ids) -> dict[int, tuple[int, int, int]]:
    """Each program's owner, province and region (where the ledger's roll-ups put it)."""
    return {
        pk: (owner, province, region)
        for pk, owner, province, region in Program.objects.filter(pk__in=program_ids)
        .values_list(
            "pk",
            "owner_id",
            "owner__municipality__province_id",
            "owner__municipality__province__region_id",
        )
        .iterator()
    }


def _save(rows) -> None:
    """Insert the recomputed rows; one that a concurrent ledger write (`grow`) has put
    back since the delete is overwritten, not a failure."""
    NetworkMember.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["level", "scope_id", "organization"],
        update_fields=["third_sector", "since", "how", "first_call", "first_call_opened"],
    )


def refresh(pairs) -> None:
    """Recompute the rows of these (program id, organisation id) pairs, at the program's
    level and at its owner's, province's and region's (from every program of theirs)."""
    pairs = set(pairs)
    if not pairs:
        return
    program_ids = {program for program, _org in pairs}
    org_ids = {org for _program, org in pairs}
    firsts = _per_program(program_ids, org_ids)
    with transaction.atomic():
        # Every (program, body) of the two sets was recomputed: replace them all.
        NetworkMember.objects.filter(
            level=Level.PROGRAM, scope_id__in=program_ids, organization_id__in=org_ids
        ).delete()
        _save([first.row(Level.PROGRAM, program, org) for (program, org), first in firsts.items()])
        places = _places(program_ids)
        touched = {
            (level, scope)
            for place in places.values()
            for level, scope in zip(WIDER, place, strict=True)
        }
        rows = list(
            NetworkMember.objects.filter(
                level=Level.PROGRAM, organization_id__in=org_ids
            ).values_list(
                "scope_id",
                "organization_id",
                "third_sector",
                "since",
                "how",
                "first_call_id",
                "first_call_opened",
            )
        )
        places.update(_places({row[0] for row in rows} - places.keys()))
        wider: dict[tuple, _First] = defaultdict(_First)
        for program, org, third_sector, since, how, call, opened in rows:
            one = _First(third_sector, since, how, call, opened)
            for level, scope in zip(WIDER, places[program], strict=True):
                if (level, scope) in touched:
                    wider[level, scope, org].merge(one)
        by_level = defaultdict(set)
        for level, scope in touched:
            by_level[level].add(scope)
        stale = Q()
        for level, scopes in by_level.items():
            stale |= Q(level=level, scope_id__in=scopes)
        NetworkMember.objects.filter(stale, organization_id__in=org_ids).delete()
        _save([first.row(level, scope, org) for (level, scope, org), first in wider.items()])


def refresh_calls(procedure_ids) -> None:
    """A call's participants, opening day or agreement changed: its bodies' rows and its
    turnout again."""
    procedure_ids = set(procedure_ids)
    pairs = set(
        Procedure.participants.through.objects.filter(procedure_id__in=procedure_ids).values_list(
            "procedure__program_id", "organization_id"
        )
    )
    pairs.update(
        Party.objects.filter(agreement__procedure_id__in=procedure_ids).values_list(
            "agreement__procedure__program_id", "organization_id"
        )
    )
    refresh(pairs)


# A contribution grew: its body is in the network of the program (and of its owner,
# province and region) since the first of January of that year at the latest. One
# statement, whatever the number of rows; public bodies are left out by the join.
GROW = """
INSERT INTO {member} (level, scope_id, organization_id, third_sector, since, how)
SELECT r.level, r.scope_id, r.org, o.kind = %(third_sector)s, r.since, %(ledger)s
FROM unnest(%(levels)s::text[], %(scopes)s::bigint[], %(orgs)s::bigint[], %(days)s::date[])
     WITH ORDINALITY AS r(level, scope_id, org, since, position)
JOIN {organization} o ON o.id = r.org
WHERE o.kind <> %(public)s
ORDER BY r.position
ON CONFLICT (level, scope_id, organization_id) DO UPDATE SET
  how = CASE WHEN {member}.since IS NULL OR EXCLUDED.since < {member}.since
             THEN EXCLUDED.how ELSE {member}.how END,
  since = LEAST({member}.since, EXCLUDED.since)
"""


def grow(contributions) -> None:
    """Contributions that only grew (`ledger.rollups.Contribution`)."""
    earliest: dict[tuple, datetime.date] = {}
    for c in contributions:
        day = datetime.date(c.year, 1, 1)
        for level, scope in (
            (Level.PROGRAM, c.program_id),
            (Level.OWNER, c.owner_id),
            (Level.PROVINCE, c.province_id),
            (Level.REGION, c.region_id),
        ):
            key = (str(level), scope, c.contributor_id)
            if key not in earliest or day < earliest[key]:
                earliest[key] = day
    if not earliest:
        return
    if connection.vendor != "postgresql":
        refresh({(c.program_id, c.contributor_id) for c in contributions})
        return
    keys = sorted(earliest)  # one fixed order, so concurrent writers queue
    with connection.cursor() as cursor:
        cursor.execute(
            GROW.format(
                member=NetworkMember._meta.db_table, organization=Organization._meta.db_table
            ),
            {
                "levels": [k[0] for k in keys],
                "scopes": [k[1] for k in keys],
                "orgs": [k[2] for k in keys],
                "days": [earliest[k] for k in keys],
                "third_sector": Organization.Kind.THIRD_SECTOR,
                "public": Organization.Kind.PUBLIC_BODY,
                "ledger": How.LEDGER,
            },
        )


def on_agreement_signed(sender, agreement, **kwargs) -> None:
    refresh_calls([agreement.procedure_id])


def on_party_saved(sender, instance, **kwargs) -> None:
    """A party joined a signed agreement (by amendment), or left the table."""
    program_id = (
        Agreement.objects.filter(pk=instance.agreement_id, signed_at__isnull=False)
        .values_list("procedure__program_id", flat=True)
        .first()
    )
    if program_id is not None:
        refresh({(program_id, instance.organization_id)})
        story.refresh([program_id])


def on_participants_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear":
        # Who is about to leave, read before they do.
        if reverse:
            instance._network_calls = set(instance.procedures_joined.values_list("pk", flat=True))
        else:
            instance._network_calls = {instance.pk}
        return
    if action == "post_clear":
        refresh_calls(getattr(instance, "_network_calls", set()))
        return
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if reverse:  # an organisation's calls changed
        calls = set(pk_set)
        pairs = {
            (program, instance.pk)
            for program in Procedure.objects.filter(pk__in=calls).values_list(
                "program_id", flat=True
            )
        }
    else:
        calls = {instance.pk}
        pairs = {(instance.program_id, org) for org in pk_set}
    refresh(pairs)
    story.refresh({program for program, _org in pairs})


# What makes a call one whose newcomers count, or moves its day.
_CALL_FIELDS = {"opened_on", "published_at", "state", "kind", "origin"}


def on_procedure_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """A call opened, was published, cancelled or changed its day (a new call has nobody
    in it yet)."""
    if created or (update_fields is not None and not _CALL_FIELDS & set(update_fields)):
        return
    refresh_calls([instance.pk])


def on_contributions_changed(sender, changes, **kwargs) -> None:
    grow([c for c in changes if c.grew])
    refresh({(c.program_id, c.contributor_id) for c in changes if not c.grew})


# --- rebuilt from the sources ------------------------------------------------------


def _tables() -> dict:
    return {
        "participants": Procedure.participants.through._meta.db_table,
        "procedure": Procedure._meta.db_table,
        "party": Party._meta.db_table,
        "agreement": Agreement._meta.db_table,
        "organization": Organization._meta.db_table,
        "contributor_total": ContributorTotal._meta.db_table,
        "program": Program._meta.db_table,
        "member": NetworkMember._meta.db_table,
        "municipality": "territories_municipality",
        "province": "territories_province",
    }


# The program level from the sources, set-based (what `_per_program` computes row by row).
# A body's first call is among the calls whose newcomers count (`story.counted_calls`, not
# a dual-purpose tender).
COUNTED = (
    "(p.origin = %(historical)s OR p.published_at IS NOT NULL) "
    "AND p.state <> %(cancelled)s AND p.kind <> %(tender)s"
)
REBUILD_PROGRAMS = """
INSERT INTO {member} (level, scope_id, organization_id, third_sector, since, how,
                      first_call_id, first_call_opened)
WITH seen AS (
  SELECT p.program_id, pp.organization_id AS org, p.opened_on AS day, 0 AS how,
         CASE WHEN {counted} THEN p.id END AS call, p.opened_on AS opened
  FROM {participants} pp JOIN {procedure} p ON p.id = pp.procedure_id
  UNION ALL
  SELECT p.program_id, pa.organization_id, (a.signed_at AT TIME ZONE 'UTC')::date, 1,
         CASE WHEN {counted} THEN p.id END, p.opened_on
  FROM {party} pa JOIN {agreement} a ON a.id = pa.agreement_id
  JOIN {procedure} p ON p.id = a.procedure_id
  WHERE a.signed_at IS NOT NULL
  UNION ALL
  SELECT scope_id, contributor_id, make_date(min(year), 1, 1), 2, NULL, NULL
  FROM {contributor_total}
  WHERE level = %(program)s AND measure = ANY(%(measures)s) AND amount > 0 AND year <> 0
  GROUP BY scope_id, contributor_id
), days AS (
  SELECT DISTINCT ON (program_id, org) program_id, org, day, how
  FROM seen WHERE day IS NOT NULL ORDER BY program_id, org, day, how
), calls AS (
  SELECT DISTINCT ON (program_id, org) program_id, org, call, opened
  FROM seen WHERE call IS NOT NULL
  ORDER BY program_id, org, coalesce(opened, DATE '9999-12-31'), call
), pairs AS (
  SELECT DISTINCT program_id, org FROM seen
)
SELECT %(program)s, s.program_id, s.org, o.kind = %(third_sector)s, d.day,
       coalesce((ARRAY[%(call)s, %(agreement)s, %(ledger)s])[d.how + 1], ''),
       c.call, c.opened
FROM pairs s
JOIN {organization} o ON o.id = s.org AND o.kind <> %(public)s
LEFT JOIN days d ON d.program_id = s.program_id AND d.org = s.org
LEFT JOIN calls c ON c.program_id = s.program_id AND c.org = s.org
"""

# A wider level from the program level: the earliest day (calls before agreements before
# the ledger on the same day) and the earliest call of each body over the scope's programs.
REBUILD_WIDER = """
INSERT INTO {member} (level, scope_id, organization_id, third_sector, since, how,
                      first_call_id, first_call_opened)
WITH placed AS (
  SELECT {scope} AS scope_id, m.organization_id, m.third_sector, m.since, m.how,
         m.first_call_id, m.first_call_opened
  FROM {member} m JOIN {program} pr ON pr.id = m.scope_id
  JOIN {organization} ow ON ow.id = pr.owner_id
  JOIN {municipality} mu ON mu.id = ow.municipality_id
  JOIN {province} pv ON pv.id = mu.province_id
  WHERE m.level = %(program)s
), days AS (
  SELECT DISTINCT ON (scope_id, organization_id) scope_id, organization_id, third_sector,
         since, how
  FROM placed
  ORDER BY scope_id, organization_id, since NULLS LAST,
           array_position(ARRAY[%(call)s, %(agreement)s, %(ledger)s]::text[], how)
), calls AS (
  SELECT DISTINCT ON (scope_id, organization_id) scope_id, organization_id, first_call_id,
         first_call_opened
  FROM placed WHERE first_call_id IS NOT NULL
  ORDER BY scope_id, organization_id, coalesce(first_call_opened, DATE '9999-12-31'),
           first_call_id
)
SELECT %(level)s, d.scope_id, d.organization_id, d.third_sector, d.since, d.how,
       c.first_call_id, c.first_call_opened
FROM days d LEFT JOIN calls c USING (scope_id, organization_id)
"""

WIDER_SCOPE = {
    Level.OWNER: "pr.owner_id",
    Level.PROVINCE: "mu.province_id",
    Level.REGION: "pv.region_id",
}


def rebuild() -> None:
    """Recompute every row from the calls, the agreements and the ledger's roll-ups."""
    with transaction.atomic():
        NetworkMember.objects.all().delete()
        if connection.vendor != "postgresql":
            pairs = list(_per_program(Program.objects.values_list("pk", flat=True)))
            refresh(pairs)
            return
        params = {
            "program": Level.PROGRAM,
            "measures": list(CONTRIBUTING),
            "third_sector": Organization.Kind.THIRD_SECTOR,
            "public": Organization.Kind.PUBLIC_BODY,
            "call": How.CALL,
            "agreement": How.AGREEMENT,
            "ledger": How.LEDGER,
            "historical": Procedure.Origin.HISTORICAL,
            "cancelled": Procedure.State.CANCELLED,
            "tender": Procedure.Kind.DUAL_PURPOSE_TENDER,
        }
        tables = _tables()
        with connection.cursor() as cursor:
            cursor.execute(REBUILD_PROGRAMS.format(counted=COUNTED, **tables), params)
            for level in WIDER:
                cursor.execute(
                    REBUILD_WIDER.format(scope=WIDER_SCOPE[level], **tables),
                    {**params, "level": level},
                )


def kept_rows() -> set:
    """Every kept row, as plain values (for `check` and the tests)."""
    return set(
        NetworkMember.objects.values_list(
            "level",
            "scope_id",
            "organization_id",
            "third_sector",
            "since",
            "how",
            "first_call_id",
            "first_call_opened",
        )
    )


def check() -> dict:
    """Rebuild the networks and the stories in a transaction that is rolled back, and
    count the rows that differ from the kept ones."""
    kept = kept_rows(), story.kept_rows()
    with transaction.atomic():
        rebuild()
        story.rebuild()
        rebuilt = kept_rows(), story.kept_rows()
        transaction.set_rollback(True)
    return {
        "members_differing": len(kept[0] ^ rebuilt[0]),
        "steps_differing": len(set(kept[1]) ^ set(rebuilt[1]))
        + abs(len(kept[1]) - len(rebuilt[1])),
    }


# --- read --------------------------------------------------------------------------


def _scope_rows(level, scope_ids):
    return NetworkMember.objects.filter(level=level, scope_id__in=list(scope_ids))


def network_of(program_ids) -> Network:
    """The network of the given programs: its non-public members, oldest first."""
    program_ids = list(program_ids)
    firsts: dict[int, _First] = defaultdict(_First)
    for org, since, how in (
        _scope_rows(Level.PROGRAM, program_ids)
        .filter(since__isnull=False)
        .values_list("organization_id", "since", "how")
    ):
        firsts[org].see(since, how)
    orgs = Organization.objects.filter(pk__in=firsts)
    members = [Member(org, firsts[org.pk].since, firsts[org.pk].how) for org in orgs]
    members.sort(key=lambda m: (m.since, m.organization.name))
    return Network(members)


@dataclass
class Joined:
    """When a territory's network grew: its members' first days, as distinct days and
    the number of members up to each."""

    days: list[datetime.date]
    totals: list[int]

    def size_on(self, day: datetime.date) -> int:
        at = bisect_right(self.days, day)
        return self.totals[at - 1] if at else 0

    @property
    def size(self) -> int:
        return self.totals[-1] if self.totals else 0


def joined(level, scope_ids) -> Joined:
    """The days a territory's members joined (one query). `level` and `scope_ids` name
    the territory's roll-up rows: one program, province or region, or the public bodies
    (owners) of a municipality or an ambito, a body counted once from its earliest day."""
    scope_ids = list(scope_ids)
    rows = _scope_rows(level, scope_ids).filter(since__isnull=False)
    if len(scope_ids) == 1:
        per_day = rows.values_list("since").annotate(n=Count("pk")).order_by("since")
    else:
        earliest = defaultdict(lambda: _NEVER)
        for org, since in rows.values_list("organization_id", "since"):
            earliest[org] = min(earliest[org], since)
        counted = defaultdict(int)
        for since in earliest.values():
            counted[since] += 1
        per_day = sorted(counted.items())
    days, totals, total = [], [], 0
    for day, n in per_day:
        total += n
        days.append(day)
        totals.append(total)
    return Joined(days, totals)


def new_members_per_call(level, scope_ids, calls) -> dict[int, int]:
    """For the given calls of a territory: how many Third-Sector bodies took part in a
    call of the territory for the first time there."""
    scope_ids = list(scope_ids)
    rows = _scope_rows(level, scope_ids).filter(third_sector=True, first_call__isnull=False)
    if len(scope_ids) == 1:
        return dict(
            rows.filter(first_call_id__in=calls)
            .values_list("first_call_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    firsts: dict[int, _First] = defaultdict(_First)
    for org, call, opened in rows.values_list(
        "organization_id", "first_call_id", "first_call_opened"
    ):
        firsts[org].take_part(call, opened)
    counted: dict[int, int] = defaultdict(int)
    wanted = set(calls)
    for first in firsts.values():
        if first.call in wanted:
            counted[first.call] += 1
    return dict(counted)


def new_members(level, scope_ids) -> int:
    """How many Third-Sector bodies of a territory took part in one of its calls (each
    is new to the network in its first)."""
    scope_ids = list(scope_ids)
    rows = _scope_rows(level, scope_ids).filter(third_sector=True, first_call__isnull=False)
    if len(scope_ids) == 1:
        return rows.count()
    return len(set(rows.values_list("organization_id", flat=True)))


def turnout(calls) -> dict[int, int]:
    """How many Third-Sector bodies take part in each of the calls."""
    return dict(
        StoryStep.objects.filter(procedure_id__in=calls, kind="call").values_list(
            "procedure_id", "taking_part"
        )
    )


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
