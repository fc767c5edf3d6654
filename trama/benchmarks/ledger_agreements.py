"""The ledger benchmark's agreement scope: agreements for the platform-run co-design
procedures past their ranking, and the timing of their figures.

An agreement's scope in the ledger is its procedure's; the figures measured are the ones
its pages read (`agreements.figures.dashboard` and `.public`): the procedure's roll-ups on
both bases, every party's line, indicators against targets, tranches and reports.

The rows are made with the ORM's bulk inserts (a few per agreement, tens of thousands at the
national size), so that fields added to the agreements' models later need no change here.
"""

import datetime
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from trama.agreements import figures
from trama.agreements.models import (
    Agreement,
    BeneficiaryCount,
    Indicator,
    IndicatorValue,
    Party,
    Report,
    ReportingPeriod,
    Target,
    Tranche,
)
from trama.benchmarks.ledger_measurement import summary
from trama.ledger.models import ContributorTotal, Level, Measure
from trama.procedures.models import Procedure

STATES = (Procedure.State.AGREED, Procedure.State.IN_PROGRESS, Procedure.State.COMPLETED)
MAX_PARTNERS = 40
PERIODS = 4
BATCH = 5000
CHUNK = 2000  # agreements generated at a time


def _bulk(model, rows):
    return model.objects.bulk_create(rows, batch_size=BATCH)


def generate_agreements(*, seed: int, log) -> dict:
    """An agreement for each platform-run co-design procedure past its ranking, with parties
    (the owner, and the bodies that brought additional resources to the procedure), a
    reporting calendar of four periods (the first two reports accepted, the third
    submitted), one indicator with targets and values, and two tranches."""
    started = time.perf_counter()
    rng = random.Random(seed)
    procedures = list(
        Procedure.objects.filter(
            kind=Procedure.Kind.CO_DESIGN, origin=Procedure.Origin.PLATFORM, state__in=STATES
        )
        .order_by("pk")
        .values_list("pk", "owner_id", "opened_on", "state")
    )
    user = get_user_model().objects.order_by("pk").first()
    now = timezone.now()
    made = {"agreements": 0, "parties": 0}
    # In chunks: the national size has tens of thousands of agreements and their rows.
    with transaction.atomic():
        for start in range(0, len(procedures), CHUNK):
            chunk = procedures[start : start + CHUNK]
            agreements, parties = _generate(chunk, user=user, now=now, rng=rng)
            made["agreements"] += agreements
            made["parties"] += parties
    with connection.cursor() as cursor:
        for model in (Agreement, Party, ReportingPeriod, Report, Indicator, Target, Tranche):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute(
            f"ANALYZE {IndicatorValue._meta.db_table}, {BeneficiaryCount._meta.db_table}"
        )
    made["seconds"] = round(time.perf_counter() - started, 2)
    log(f"  agreements: {made['agreements']} with {made['parties']} parties in {made['seconds']} s")
    return made


def _generate(procedures, *, user, now, rng) -> tuple[int, int]:
    """The agreements of `procedures` and their rows; returns how many agreements and parties."""
    agreements = _bulk(
        Agreement,
        [
            Agreement(
                procedure_id=pk,
                object=f"Convenzione del procedimento {pk}",
                starts_on=opened_on,
                ends_on=opened_on + datetime.timedelta(days=730),
                signed_at=now,
                completed_at=now if state == Procedure.State.COMPLETED else None,
                created_by=user,
            )
            for pk, _owner, opened_on, state in procedures
        ],
    )
    by_procedure = {a.procedure_id: a for a in agreements}
    partners = {}
    rows = (
        ContributorTotal.objects.filter(
            level=Level.PROCEDURE,
            scope_id__in=list(by_procedure),
            year=0,
            additional=True,
            measure__in=[Measure.PLEDGED, Measure.ACCEPTED],
        )
        .values_list("scope_id", "contributor_id")
        .distinct()
        .order_by("scope_id", "contributor_id")
    )
    for scope_id, contributor_id in rows.iterator(chunk_size=BATCH):
        found = partners.setdefault(scope_id, [])
        if len(found) < MAX_PARTNERS:
            found.append(contributor_id)
    parties = []
    for pk, owner_id, _opened, _state in procedures:
        agreement = by_procedure[pk]
        parties.append(
            Party(
                agreement=agreement,
                organization_id=owner_id,
                role=Party.Role.PUBLIC_BODY,
                representative_name="Sindaco",
            )
        )
        for n, org_id in enumerate(partners.get(pk, [])):
            parties.append(
                Party(
                    agreement=agreement,
                    organization_id=org_id,
                    role=Party.Role.LEAD if n == 0 else Party.Role.PARTNER,
                    representative_name=f"Legale rappresentante {org_id}",
                )
            )
    _bulk(Party, parties)
    periods = _bulk(
        ReportingPeriod,
        [
            ReportingPeriod(
                agreement=a,
                number=n,
                starts_on=a.starts_on + datetime.timedelta(days=180 * (n - 1)),
                ends_on=a.starts_on + datetime.timedelta(days=180 * n - 1),
                due_on=a.starts_on + datetime.timedelta(days=180 * n + 30),
                is_final=n == PERIODS,
            )
            for a in agreements
            for n in range(1, PERIODS + 1)
        ],
    )
    states = {1: Report.State.ACCEPTED, 2: Report.State.ACCEPTED, 3: Report.State.SUBMITTED}
    reports = _bulk(
        Report,
        [
            Report(
                agreement=p.agreement,
                period=p,
                state=states[p.number],
                public_summary=f"Sintesi del periodo {p.number}",
                submitted_at=now,
            )
            for p in periods
            if p.number in states
        ],
    )
    _bulk(
        BeneficiaryCount,
        [
            BeneficiaryCount(report=r, group=group, count=rng.randint(0, 40))
            for r in reports
            for group in ("Famiglie", "Minori")
        ],
    )
    indicators = _bulk(
        Indicator,
        [Indicator(agreement=a, name="Persone accompagnate", unit="persone") for a in agreements],
    )
    indicator_of = {i.agreement_id: i for i in indicators}
    _bulk(
        Target,
        [
            Target(indicator=indicator_of[p.agreement_id], period=p, value=Decimal(20 * p.number))
            for p in periods
        ],
    )
    _bulk(
        IndicatorValue,
        [
            IndicatorValue(
                indicator=indicator_of[r.agreement_id],
                report=r,
                value=Decimal(rng.randint(5, 30 * r.period.number)),
            )
            for r in reports
        ],
    )
    last_period = {p.agreement_id: p for p in periods if p.number == PERIODS}
    _bulk(
        Tranche,
        [
            tranche
            for pk, owner_id, _opened, _state in procedures
            for tranche in _tranches(by_procedure[pk], partners.get(pk), last_period, rng)
        ],
    )
    return len(agreements), len(parties)


def _tranches(agreement, partners, last_period, rng):
    if not partners:
        return []
    amount = Decimal(rng.randint(10, 200) * 1000)
    return [
        Tranche(
            agreement=agreement,
            kind=Tranche.Kind.ADVANCE,
            payee_id=partners[0],
            amount=amount,
            due_on=agreement.starts_on,
        ),
        Tranche(
            agreement=agreement,
            kind=Tranche.Kind.BALANCE,
            payee_id=partners[0],
            amount=amount,
            after_period=last_period[agreement.pk],
        ),
    ]


def ensure_agreements(*, seed: int, log) -> dict | None:
    """Generate the agreements unless the data set has them (a run with --reuse)."""
    if Agreement.objects.exists():
        return None
    return generate_agreements(seed=seed, log=log)


def _load(pk):
    return Agreement.objects.select_related("procedure").get(pk=pk)


MEASURES = {
    # What the parties' dashboard reads, and what the public page reads.
    "agreement dashboard": lambda pk: figures.dashboard(_load(pk)),
    "agreement public page": lambda pk: figures.public(_load(pk)),
}


def measure_agreements(size, rng, log) -> dict:
    """The agreement's figures over random agreements (with the agreement row's own read)."""
    ids = list(Agreement.objects.values_list("pk", flat=True))
    if not ids:
        return {}
    sample = rng.sample(ids, size.samples) if len(ids) >= size.samples else ids * size.samples
    sample = sample[: size.samples]
    results = {}
    for label, compute in MEASURES.items():
        for pk in sample[:5]:  # warm-up, not counted
            compute(pk)
        times, with_data = [], 0
        for pk in sample:
            started = time.perf_counter()
            found = compute(pk)
            times.append(time.perf_counter() - started)
            with_data += found.resources.has_data
        results[label] = {**summary(times), "scopes_with_data": with_data}
        log(f"  figures {label}: {results[label]}")
    return results
