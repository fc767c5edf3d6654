"""Recompute the roll-ups from the raw ledger and compare them with the kept ones."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F

from . import ranges, rollups
from .measure import with_measure
from .models import ContributorTotal, LedgerEntry, LedgerTotal


def _raw():
    """Roll-up rows computed entry by entry from the raw ledger and its latest events."""
    totals, by_contributor = rollups.empty()
    entries = (
        with_measure(LedgerEntry.objects.order_by())
        .annotate(
            owner_id=F("program__owner_id"),
            province_id=F("program__owner__municipality__province_id"),
            region_id=F("program__owner__municipality__province__region_id"),
        )
        .values_list(
            "program_id",
            "owner_id",
            "province_id",
            "region_id",
            "procedure_id",
            "contributor_id",
            "source",
            "category",
            "year",
            "amount",
            "reverses_id",
            "measure",
            "funder_id",
            "public_share",
        )
    )
    for (
        program_id,
        owner_id,
        province_id,
        region_id,
        procedure_id,
        contributor_id,
        source,
        category,
        year,
        amount,
        reverses_id,
        measure,
        funder_id,
        public_share,
    ) in entries.iterator(chunk_size=5000):
        place = rollups.Place(
            program_id,
            owner_id,
            province_id,
            region_id,
            procedure_id,
            contributor_id,
            source,
            category,
            year,
            funder_id,
            public_share,
        )
        rollups.add(totals, by_contributor, place, measure, -amount if reverses_id else amount, 1)
    return totals, by_contributor


def _kept(model, key_columns):
    rows = model.objects.values_list(*key_columns, "amount", "entries").iterator(chunk_size=5000)
    return {tuple(row[:-2]): (Decimal(row[-2]).quantize(Decimal("0.01")), row[-1]) for row in rows}


@dataclass
class RebuildReport:
    checked: int = 0
    differences: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _compare(report, table, raw, kept):
    raw = {k: (Decimal(v[0]).quantize(Decimal("0.01")), v[1]) for k, v in raw.items()}
    for key in sorted(set(raw) | set(kept), key=str):
        expected = raw.get(key, (Decimal("0.00"), 0))
        found = kept.get(key, (Decimal("0.00"), 0))
        report.checked += 1
        if expected != found:
            report.differences.append((table, key, expected, found))


def _report(totals, by_contributor) -> RebuildReport:
    report = RebuildReport()
    _compare(report, "LedgerTotal", totals, _kept(LedgerTotal, rollups.TOTAL_KEY))
    _compare(
        report,
        "ContributorTotal",
        by_contributor,
        _kept(ContributorTotal, rollups.CONTRIBUTOR_KEY),
    )
    return report


def check_rollups() -> RebuildReport:
    """Compare the kept roll-ups with a recomputation from raw entries."""
    return _report(*_raw())


def rebuild_rollups() -> RebuildReport:
    """Replace the roll-ups with a recomputation from raw entries; report what differed."""
    with transaction.atomic():
        # Writers take row locks on the roll-ups; locking the tables keeps them out while
        # the roll-ups are replaced, so no committed write is lost in between.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE ledger_ledgertotal, ledger_contributortotal "
                    "IN SHARE ROW EXCLUSIVE MODE"
                )
        totals, by_contributor = _raw()
        report = _report(totals, by_contributor)
        LedgerTotal.objects.all().delete()
        ContributorTotal.objects.all().delete()
        LedgerTotal.objects.bulk_create(
            [
                LedgerTotal(
                    **dict(zip(rollups.TOTAL_KEY, key, strict=True)), amount=v[0], entries=v[1]
                )
                for key, v in totals.items()
            ],
            batch_size=5000,
        )
        ContributorTotal.objects.bulk_create(
            [
                ContributorTotal(
                    **dict(zip(rollups.CONTRIBUTOR_KEY, key, strict=True)),
                    amount=v[0],
                    entries=v[1],
                )
                for key, v in by_contributor.items()
            ],
            batch_size=5000,
        )
        ranges.materialize()
    return report
