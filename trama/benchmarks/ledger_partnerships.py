"""The ledger benchmark's partnerships and territories: the bodies that work together, and
the timing of a territory's story and of territories side by side.

Generated after the agreements (`ledger_agreements`):

- the participants of the calls recorded from history (`Procedure.participants`): up to
  twelve of the Third-Sector bodies that brought additional resources to each historical
  co-design or co-programming procedure (what an officer records from the old minutes);
- a CONTRACTUAL partnership for every program with a signed agreement, formed on the day its
  first agreement was signed (what `services.on_agreement_signed` does on the platform);
- a sprinkling of INSTITUTIONAL partnerships (one contractual partnership in
  `INSTITUTION_EVERY` grows into one): a new social enterprise whose constitution
  (`ShareAct`) gives 3 to 8 members (the program's owner and parties to its agreements)
  shares summing to exactly 100.00 %;
- then the networks' and the stories' roll-ups (`network.rebuild`, `story.rebuild`), which
  the generator's bulk writes skip.

Measured: `territory.timeline(territory.resolve(key))` (the first page of steps and the
years) for random regions, municipalities
and ambiti, and `territory.compare(territory.resolve_many(keys))` for six random regions —
what the territory pages read. Each call's queries are captured once: none may read the raw
ledger entries (the territories read the roll-ups).
"""

import random
import time
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trama.agreements.models import Agreement, Party
from trama.benchmarks.ledger_measurement import summary
from trama.ledger.models import Level, Measure
from trama.organizations.models import Organization, ShareAct, Shareholding
from trama.partnerships import network, story, territory
from trama.partnerships.models import NetworkMember, Partnership, StoryStep
from trama.partnerships.services import contractual_name
from trama.procedures.models import Procedure
from trama.territories.models import Region

INSTITUTION_EVERY = 20  # one contractual partnership in 20 grows into an institution
MAX_PARTICIPANTS = 12  # recorded participants per historical call
MIN_MEMBERS, MAX_MEMBERS = 3, 8
MAX_TERRITORY_SAMPLES = 40  # a region's timeline reads thousands of rows: fewer samples
TARGET_TERRITORY_P95_MS = 100.0
BATCH = 5000

PARTICIPANTS = """
INSERT INTO {through} (procedure_id, organization_id)
SELECT procedure_id, organization_id
FROM (SELECT p.id AS procedure_id, ct.contributor_id AS organization_id,
             row_number() OVER (PARTITION BY p.id
                                ORDER BY hashint8extended(ct.contributor_id, p.id + %s)) AS n
      FROM procedures_procedure p
      JOIN (SELECT DISTINCT scope_id, contributor_id
            FROM ledger_contributortotal
            WHERE level = %s AND year = 0 AND additional AND measure IN (%s, %s)) ct
        ON ct.scope_id = p.id
      JOIN organizations_organization o ON o.id = ct.contributor_id AND o.kind = %s
      WHERE p.origin = %s AND p.kind IN (%s, %s) AND p.state <> %s) AS s
WHERE n <= %s
ORDER BY procedure_id, organization_id
"""


def _check_digit(base: str) -> str:
    """The Partita IVA / numeric codice fiscale check digit (Luhn over ten digits)."""
    total = 0
    for i, char in enumerate(base, start=1):
        d = int(char)
        total += d if i % 2 == 1 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    return str((10 - total % 10) % 10)


def _shares(n: int, rng: random.Random) -> list[Decimal]:
    """n shares of at least 1.00 %, in cents, summing to exactly 100.00 %."""
    spare = 10000 - 100 * n
    cuts = sorted(rng.randint(0, spare) for _ in range(n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, spare], strict=True)]
    return [Decimal(100 + part) / 100 for part in parts]


def _participants(seed: int) -> int:
    through = Procedure.participants.through
    with connection.cursor() as cursor:
        cursor.execute(
            PARTICIPANTS.format(through=through._meta.db_table),
            [
                seed,
                Level.PROCEDURE,
                Measure.PLEDGED,
                Measure.ACCEPTED,
                Organization.Kind.THIRD_SECTOR,
                Procedure.Origin.HISTORICAL,
                Procedure.Kind.CO_DESIGN,
                Procedure.Kind.CO_PROGRAMMING,
                Procedure.State.CANCELLED,
                MAX_PARTICIPANTS,
            ],
        )
        return cursor.rowcount


def _contractual(user) -> list[Partnership]:
    """One per program with a signed agreement, formed on its first agreement's day."""
    firsts = (
        Agreement.objects.filter(signed_at__isnull=False)
        .values("procedure__program_id")
        .annotate(first=Min("signed_at"))
        .values_list(
            "procedure__program_id",
            "first",
            "procedure__program__owner_id",
            "procedure__program__title",
            "procedure__program__slug",
        )
        .order_by("procedure__program_id")
    )
    rows = []
    for program_id, first, owner_id, title, slug in firsts:
        rows.append(
            Partnership(
                kind=Partnership.Kind.CONTRACTUAL,
                origin=Partnership.Origin.AGREEMENT,
                name=contractual_name(SimpleNamespace(title=title))[:200],
                slug=f"partenariato-{slug}"[:80],
                owner_id=owner_id,
                program_id=program_id,
                formed_on=timezone.localdate(first),
                created_by=user,
            )
        )
    return Partnership.objects.bulk_create(rows, batch_size=BATCH)


def _institutional(contractual, *, user, rng) -> tuple[int, int]:
    """Entities grown from one contractual partnership in INSTITUTION_EVERY: returns how
    many institutions and shareholdings were made."""
    chosen = [p for n, p in enumerate(contractual) if n % INSTITUTION_EVERY == 0]
    parties = {}
    for program_id, org_id in (
        Party.objects.filter(
            agreement__procedure__program_id__in=[p.program_id for p in chosen],
            agreement__signed_at__isnull=False,
        )
        .exclude(organization__kind=Organization.Kind.PUBLIC_BODY)
        .values_list("agreement__procedure__program_id", "organization_id")
        .distinct()
        .order_by("agreement__procedure__program_id", "organization_id")
    ):
        parties.setdefault(program_id, []).append(org_id)
    places = dict(
        Organization.objects.filter(pk__in={p.owner_id for p in chosen}).values_list(
            "pk", "municipality_id"
        )
    )
    plans = []
    for partnership in chosen:
        partners = parties.get(partnership.program_id, [])
        if len(partners) < MIN_MEMBERS - 1:
            continue
        size = min(rng.randint(MIN_MEMBERS, MAX_MEMBERS), len(partners) + 1)
        members = [partnership.owner_id, *rng.sample(partners, size - 1)]
        plans.append((partnership, members, _shares(size, rng)))
    start = Organization.objects.filter(slug__startswith="bench-institution-").count()
    entities = []
    for n, (partnership, *_rest) in enumerate(plans, start=start + 1):
        base = f"{4000000 + n:07d}{1 + n % 100:03d}"
        code = base + _check_digit(base)
        entities.append(
            Organization(
                name=f"Impresa sociale di comunità {n} – {partnership.name}"[:200],
                slug=f"bench-institution-{n}",
                kind=Organization.Kind.THIRD_SECTOR,
                legal_form=Organization.LegalForm.SOCIAL_ENTERPRISE,
                tax_code=code,
                vat_number=code,
                runts_number=f"{900000 + n}",
                runts_section=Organization.RuntsSection.SOCIAL_ENTERPRISE,
                email=f"info@istituzione{n}.example.it",
                municipality_id=places[partnership.owner_id],
                verified_at=timezone.now(),
            )
        )
    entities = Organization.objects.bulk_create(entities, batch_size=BATCH)
    acts = ShareAct.objects.bulk_create(
        [
            ShareAct(
                entity=entity,
                kind=ShareAct.Kind.CONSTITUTION,
                date=partnership.formed_on,
                reference=f"Atto costitutivo rep. n. {entity.pk}",
                recorded_by=user,
            )
            for entity, (partnership, _m, _s) in zip(entities, plans, strict=True)
        ],
        batch_size=BATCH,
    )
    holdings = [
        Shareholding(act=act, member_id=member, share=share)
        for act, (_p, members, shares) in zip(acts, plans, strict=True)
        for member, share in zip(members, shares, strict=True)
    ]
    Shareholding.objects.bulk_create(holdings, batch_size=BATCH)
    Partnership.objects.bulk_create(
        [
            Partnership(
                kind=Partnership.Kind.INSTITUTIONAL,
                origin=Partnership.Origin.ENTITY,
                name=entity.name,
                slug=f"partenariato-{entity.slug}"[:80],
                owner_id=partnership.owner_id,
                entity=entity,
                grew_from=partnership,
                formed_on=partnership.formed_on,
                created_by=user,
            )
            for entity, (partnership, _m, _s) in zip(entities, plans, strict=True)
        ],
        batch_size=BATCH,
    )
    return len(entities), len(holdings)


def generate_partnerships(*, seed: int, log) -> dict:
    started = time.perf_counter()
    rng = random.Random(seed)
    user = get_user_model().objects.order_by("pk").first()
    with transaction.atomic():
        participants = _participants(seed)
        contractual = _contractual(user)
        institutions, holdings = _institutional(contractual, user=user, rng=rng)
    with connection.cursor() as cursor:
        for model in (Procedure.participants.through, Partnership, ShareAct, Shareholding):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute(f"ANALYZE {Organization._meta.db_table}")
    made = {
        "call_participants": participants,
        "contractual_partnerships": len(contractual),
        "institutional_partnerships": institutions,
        "shareholdings": holdings,
        "seconds": round(time.perf_counter() - started, 2),
    }
    log(f"  partnerships: {made}")
    return made


def ensure_partnerships(*, seed: int, log) -> dict | None:
    """Generate the partnerships unless the data set has them (a run with --reuse)."""
    if Partnership.objects.exists():
        return None
    return generate_partnerships(seed=seed, log=log)


def ensure_network(*, rebuild: bool, log) -> dict | None:
    """Fill the networks' roll-ups from the generated calls, agreements and ledger (the
    generator writes in bulk, past the signals that keep them on write)."""
    if not rebuild and NetworkMember.objects.exists() and StoryStep.objects.exists():
        return None
    started = time.perf_counter()
    network.rebuild()
    story.rebuild()
    with connection.cursor() as cursor:
        for model in (NetworkMember, StoryStep):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    made = {
        "network_members": NetworkMember.objects.count(),
        "story_steps": StoryStep.objects.count(),
        "seconds": round(time.perf_counter() - started, 2),
    }
    log(f"  networks' roll-ups: {made}")
    return made


def partnership_counts() -> dict:
    return {
        "network_members": NetworkMember.objects.count(),
        "story_steps": StoryStep.objects.count(),
        "call_participants": Procedure.participants.through.objects.count(),
        "contractual_partnerships": Partnership.objects.filter(
            kind=Partnership.Kind.CONTRACTUAL
        ).count(),
        "institutional_partnerships": Partnership.objects.filter(
            kind=Partnership.Kind.INSTITUTIONAL
        ).count(),
        "shareholdings": Shareholding.objects.count(),
    }


# --- measurement ----------------------------------------------------------------------


def _keys(rng, size) -> dict[str, list]:
    """Random territory keys: regions, municipalities and ambiti with programs."""
    n = min(size.samples, MAX_TERRITORY_SAMPLES)
    regions = sorted(Region.objects.values_list("istat_code", flat=True))
    owners = Organization.objects.filter(kind=Organization.Kind.PUBLIC_BODY, programs__isnull=False)
    municipalities = sorted(set(owners.values_list("municipality__istat_code", flat=True)) - {None})
    ambiti = sorted(
        set(
            owners.filter(public_body_type=Organization.PublicBodyType.AMBITO).values_list(
                "slug", flat=True
            )
        )
    )
    keys = {
        "territory timeline region": [f"region:{rng.choice(regions)}" for _ in range(n)],
        "territory comparison 6 regions": [
            [f"region:{code}" for code in rng.sample(regions, territory.MAX_COMPARED)]
            for _ in range(n)
        ],
    }
    if municipalities:
        keys["territory timeline municipality"] = [
            f"municipality:{rng.choice(municipalities)}" for _ in range(n)
        ]
    if ambiti:
        keys["territory timeline ambito"] = [f"ambito:{rng.choice(ambiti)}" for _ in range(n)]
    return keys


def _call(label, key):
    if label.startswith("territory comparison"):
        return territory.compare(territory.resolve_many(key))
    return territory.timeline(territory.resolve(key))


def _size(label, found) -> int:
    """Steps in a timeline's whole story; partners over the territories compared."""
    if label.startswith("territory comparison"):
        return sum(c.partners for c in found)
    return found.total


def measure_territories(size, rng, log) -> dict:
    """Timelines and comparisons of random territories, as their pages compute them."""
    results = {}
    for label, keys in _keys(rng, size).items():
        # The SQL of one call (the sample's first), not timed.
        with CaptureQueriesContext(connection) as captured:
            _call(label, keys[0])
        sql = [q["sql"] for q in captured.captured_queries]
        for key in keys[:3]:  # warm-up, not counted
            _call(label, key)
        times, sizes = [], []
        for key in keys:
            started = time.perf_counter()
            found = _call(label, key)
            times.append(time.perf_counter() - started)
            sizes.append(_size(label, found))
        slowest = keys[max(range(len(keys)), key=times.__getitem__)]
        results[label] = {
            **summary(times),
            "queries": len(sql),
            "reads_raw_entries": any("ledger_ledgerentry" in q for q in sql),
            "largest": max(sizes),
            "median_size": sorted(sizes)[len(sizes) // 2],
        }
        if results[label]["p95_ms"] > TARGET_TERRITORY_P95_MS:
            results[label]["slowest"] = {"key": slowest, "queries": _explain(label, slowest)}
        log(f"  {label}: {results[label]}")
    return results


def _explain(label: str, key) -> list[dict]:
    """Each query of one call, with its time (for the report on a missed target)."""
    with CaptureQueriesContext(connection) as captured:
        _call(label, key)
    return [
        {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:400]}
        for q in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:8]
    ]
