"""Keeps LedgerTotal and ContributorTotal in step with every ledger write.

Each write adds its signed amount to a handful of roll-up rows (one per scope the entry
belongs to) in the same transaction, with an atomic `amount = amount + delta` upsert. Rows
are touched in one fixed order, so concurrent writers queue instead of deadlocking. The
same key function serves the rebuild from raw entries, so both cannot drift apart.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection

from . import ranges
from .models import ContributorTotal, LedgerTotal, Level, Measure
from .signals import contributions_changed
from .vocabulary import ADDITIONAL_SOURCES, Source

CENT = Decimal("0.01")

TOTAL_KEY = ["level", "scope_id", "measure", "source", "category", "year"]
CONTRIBUTOR_KEY = ["level", "scope_id", "measure", "additional", "year", "contributor_id"]


# What counts as contributing, for the network a body joins: a pledge, or an actual the
# owning body accepted.
CONTRIBUTING = (Measure.PLEDGED, Measure.ACCEPTED)


@dataclass(frozen=True)
class Contribution:
    """A body's contributing amount in a year of a program moved (`contributions_changed`)."""

    program_id: int
    owner_id: int
    province_id: int
    region_id: int
    contributor_id: int
    year: int
    grew: bool


@dataclass(frozen=True)
class Place:
    """Where an entry sits: everything the roll-up keys are made of."""

    program_id: int
    owner_id: int
    province_id: int
    region_id: int
    procedure_id: int | None
    contributor_id: int
    source: str
    category: str
    year: int
    funder_id: int | None = None
    public_share: Decimal | None = None

    @classmethod
    def of(cls, entry, program):
        province = program.owner.municipality.province
        return cls(
            program.pk,
            program.owner_id,
            province.pk,
            province.region_id,
            entry.procedure_id,
            entry.contributor_id,
            entry.source,
            entry.category,
            entry.year,
            entry.funder_id,
            getattr(entry, "public_share", None),
        )

    def scopes(self) -> list[tuple[str, int]]:
        scopes = [
            (Level.PROGRAM, self.program_id),
            (Level.OWNER, self.owner_id),
            (Level.PROVINCE, self.province_id),
            (Level.REGION, self.region_id),
        ]
        if self.procedure_id:
            scopes.append((Level.PROCEDURE, self.procedure_id))
        if self.funder_id:
            scopes.append((Level.FUNDER, self.funder_id))
        return scopes


def parts(place: Place, amount):
    """Where an amount counts: an institutional partnership's own resources split by the
    public members' share frozen on the entry — that part is other public money, the rest
    the entity's own (additional) resources. Rounded the same way for a reversal, so one
    cancels the other to the cent."""
    share = place.public_share
    if place.source != Source.OWN_RESOURCES or share is None or share <= 0:
        return [(place, amount)]
    public_place = replace(place, source=Source.OTHER_PUBLIC, public_share=None)
    if share >= 100:
        return [(public_place, amount)]
    public = (amount * share / 100).quantize(CENT)
    return [(public_place, public), (replace(place, public_share=None), amount - public)]


def add(totals: dict, by_contributor: dict, place: Place, measure: str, amount, count) -> None:
    """Add one signed amount to the roll-up rows of every scope of a place."""
    measure = str(measure)
    split = parts(place, amount)
    if len(split) > 1 or split[0][0] is not place:
        for part, part_amount in split:
            add(totals, by_contributor, part, measure, part_amount, count)
        return
    for level, scope_id in [*place.scopes(), (Level.CONTRIBUTOR, place.contributor_id)]:
        key = (str(level), scope_id, measure, place.source, place.category, place.year)
        totals[key][0] += amount
        totals[key][1] += count
    additional = place.source in ADDITIONAL_SOURCES
    # The country's contributor ranking is kept directly: its rows are per contributor, so
    # they are not a hot spot; the country's totals are the sum of its regions' rows.
    for level, scope_id in [*place.scopes(), (Level.COUNTRY, 0)]:
        for year in (0, place.year):
            key = (str(level), scope_id, measure, additional, year, place.contributor_id)
            by_contributor[key][0] += amount
            by_contributor[key][1] += count


def empty():
    return defaultdict(lambda: [Decimal("0"), 0]), defaultdict(lambda: [Decimal("0"), 0])


# PostgreSQL array types of the roll-up columns, for the one-statement upsert below.
ARRAY_TYPES = {
    "level": "text",
    "scope_id": "bigint",
    "measure": "text",
    "source": "text",
    "category": "text",
    "additional": "boolean",
    "year": "integer",
    "contributor_id": "bigint",
    "amount": "numeric",
    "entries": "integer",
}


def _upsert(table: str, key_columns: list[str], rows: list[tuple]) -> None:
    """Add `rows` (already in key order) to `table`, creating the rows that are missing."""
    if not rows:
        return
    columns = [*key_columns, "amount", "entries"]
    conflict = ", ".join(key_columns)
    update = (
        f"ON CONFLICT ({conflict}) DO UPDATE SET amount = {table}.amount + EXCLUDED.amount, "
        f"entries = {table}.entries + EXCLUDED.entries"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement with one array per column, whatever the number of rows: the
            # server unpacks them, and WITH ORDINALITY keeps the fixed key order that stops
            # concurrent writers from deadlocking.
            arrays = ", ".join(f"%s::{ARRAY_TYPES[column]}[]" for column in columns)
            names = ", ".join(columns)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608
                f"FROM unnest({arrays}) WITH ORDINALITY AS row({names}, position) "
                f"ORDER BY position {update}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([placeholders] * len(chunk))} {update}",
                [value for row in chunk for value in row],
            )


def apply(changes) -> None:
    """Add signed amounts to the roll-ups: `changes` holds (entry, program, measure, amount, count)."""
    totals, by_contributor = empty()
    moved = {}
    for entry, program, measure, amount, count in changes:
        place = Place.of(entry, program)
        add(totals, by_contributor, place, measure, amount, count)
        if measure in CONTRIBUTING and place.year and amount:
            # A body's amounts in a cell never go below zero: whatever only grew is now
            # above it; what shrank may have reached it (the listener reads it again).
            key = (place.program_id, place.contributor_id, place.year)
            grew = moved[key].grew if key in moved else True
            moved[key] = Contribution(
                place.program_id,
                place.owner_id,
                place.province_id,
                place.region_id,
                place.contributor_id,
                place.year,
                grew and amount > 0,
            )
    _upsert(
        LedgerTotal._meta.db_table,
        TOTAL_KEY,
        [(*key, value[0], value[1]) for key, value in sorted(totals.items())],
    )
    _upsert(
        ContributorTotal._meta.db_table,
        CONTRIBUTOR_KEY,
        [(*key, value[0], value[1]) for key, value in sorted(by_contributor.items())],
    )
    ranges.follow(
        (measure, contributor_id, year)
        for level, _scope, measure, additional, year, contributor_id in by_contributor
        if level == Level.COUNTRY and additional and year
    )
    if moved:
        contributions_changed.send(
            sender=Contribution, changes=[moved[key] for key in sorted(moved)]
        )
