"""The resource-ledger benchmark: a synthetic national data set, then timed figures and writes.

`manage.py bench_ledger --size small|full` (or `make bench-ledger` / `make bench-ledger-small`)

1. creates a dedicated PostgreSQL database (default `trama_bench`) if missing, migrates it
   and empties it (only databases whose name starts with `trama_bench` are accepted);
2. generates organisations, programs, procedures, ledger entries, verification and funder
   events with set-based SQL (INSERT … SELECT generate_series), deterministic for a seed;
3. builds the roll-ups (LedgerTotal, ContributorTotal) with set-based SQL that applies the
   rules of `rollups.add` and `state.measure_for`; at the small size it checks them against
   `rebuild.check_rollups()` (the ORM rebuild from raw entries), which is the CI check;
4. measures, through `figures.compute_figures` (the function pages and API call), figures
   for random scopes per level, an entry write through `services.record_entry`, lock waits
   between concurrent writers on one program, and the import of spreadsheet rows;
5. prints a table and writes `benchmarks/ledger-<size>.json`.

Everything it generates lives in the benchmark database; no other database is touched.
"""

import json
import math
import random
import statistics
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trama_bench"
DATABASE_PREFIX = "trama_bench"
TARGET_FIGURES_P95_MS = 50.0
TARGET_CSV_ROWS_PER_S = 5000.0
MEASUREMENTS = ("figures", "writes", "locks", "imports")


@dataclass(frozen=True)
class Size:
    name: str
    public_bodies: int
    third_sector: int
    funders: int
    programs: int
    procedures: int
    entries: int
    samples: int  # random scopes per figure level (country: repetitions)
    writes: int  # timed single entry writes
    lock_threads: int
    lock_seconds: float
    import_rows: int
    check_rebuild: bool  # compare with the ORM rebuild (Python, entry by entry)


SIZES = {
    # CI: every step runs, on little data, with few samples (timings are not asserted).
    "small": Size("small", 50, 500, 10, 60, 200, 20_000, 20, 20, 4, 0.5, 50, True),
    "full": Size(
        "full", 8_000, 100_000, 90, 10_000, 50_000, 10_000_000, 250, 300, 8, 10.0, 100_000, False
    ),
}

# Tables the generator fills in bulk: their secondary indexes, unique and foreign-key
# constraints are dropped for the load and re-created from their catalogue definitions in
# the same transaction (bulk index builds and one validation query per key are far faster
# than row-by-row maintenance and 60 million deferred foreign-key checks).
BULK_TABLES = [
    "ledger_ledgerentry",
    "ledger_verification",
    "ledger_funderconfirmation",
    "ledger_ledgertotal",
    "ledger_contributortotal",
]
# Tables kept across runs; every other table of the benchmark database is emptied.
KEEP_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "territories_region",
    "territories_province",
    "territories_municipality",
}
ADDITIONAL = "('FOUNDATION_GRANT', 'OWN_RESOURCES', 'PRIVATE_DONATIONS')"


# --------------------------------------------------------------------------------------
# The benchmark database
# --------------------------------------------------------------------------------------


def _database_config(url: str) -> dict:
    config = dj_database_url.parse(url)
    name = config.get("NAME") or ""
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ValueError("The ledger benchmark runs on PostgreSQL only.")
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError(
            f"Refusing database {name!r}: the benchmark empties its database, so its name "
            f"must start with {DATABASE_PREFIX!r}."
        )
    return config


def _conninfo(config: dict, dbname: str) -> str:
    parts = {
        "dbname": dbname,
        "host": config.get("HOST") or None,
        "port": str(config["PORT"]) if config.get("PORT") else None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})


def ensure_database(url: str) -> bool:
    """Create the benchmark database through the `postgres` maintenance database if missing."""
    config = _database_config(url)
    with psycopg.connect(_conninfo(config, "postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if exists:
            return False
        conn.execute(
            psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(config["NAME"]))
        )
    return True


@contextmanager
def using_database(url: str):
    """Point Django's default connection (in every thread) at the benchmark database."""
    config = _database_config(url)
    previous = connections.settings["default"]
    connections["default"].close()
    new = connections.configure_settings({"default": {**config}})["default"]
    connections.settings["default"] = new
    del connections["default"]
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = previous
        del connections["default"]


# --------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------

FUNCTIONS = """
CREATE FUNCTION pg_temp.u(g bigint, salt bigint) RETURNS float8
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ((hashint8extended(g, salt) >> 11) & 9007199254740991)::float8
               / 9007199254740992.0 $$;
CREATE FUNCTION pg_temp.pick(g bigint, salt bigint, n bigint) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT floor(pg_temp.u(g, salt) * n)::bigint $$;
-- Partita IVA / numeric codice fiscale check digit (Luhn over the first ten digits).
CREATE FUNCTION pg_temp.luhn(base text) RETURNS text
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT ((10 - sum(CASE WHEN i % 2 = 1 THEN d
                              WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END) % 10) % 10)::text
        FROM (SELECT i, substr(base, i, 1)::int AS d
              FROM generate_series(1, length(base)) AS i) AS digits $$;
"""

MUNICIPALITIES = """
CREATE TEMP TABLE bench_municipality ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY hashint8extended(m.id, {seed}), m.id) AS rn,
       m.id AS municipality_id, m.name, m.province_id, p.region_id
FROM territories_municipality m JOIN territories_province p ON p.id = m.province_id;
CREATE INDEX ON bench_municipality (rn);
ANALYZE bench_municipality;
"""

ORG_COLUMNS = """
(id, name, slug, kind, public_body_type, legal_form, tax_code, vat_number, runts_number,
 runts_section, pec, email, website, legal_representative, address, description, require_2fa,
 verified_at, created_at, lead_municipality_id, municipality_id, verified_by_id)
"""

PUBLIC_BODIES = """
INSERT INTO organizations_organization {org_columns}
SELECT g,
       CASE t WHEN 'MUNICIPALITY' THEN 'Comune di ' || m.name
              WHEN 'AMBITO' THEN 'Ambito territoriale sociale di ' || m.name
              WHEN 'HEALTH' THEN 'Azienda sanitaria locale di ' || m.name
              WHEN 'PROVINCE' THEN 'Provincia di ' || m.name
              WHEN 'REGION' THEN 'Ente regionale ' || g
              ELSE 'Ente pubblico ' || g END,
       'bench-pb-' || g, 'PUBLIC_BODY', t, 'PUBLIC_ENTITY', tax, '', '', '',
       'protocollo@pb' || g || '.pec.example.it', '', '', '', '', '', false,
       now(), now(), NULL, m.municipality_id, NULL
FROM (
  SELECT g,
         CASE WHEN r < 0.85 THEN 'MUNICIPALITY' WHEN r < 0.93 THEN 'AMBITO'
              WHEN r < 0.96 THEN 'HEALTH' WHEN r < 0.98 THEN 'PROVINCE'
              WHEN r < 0.99 THEN 'REGION' ELSE 'OTHER' END AS t,
         base || pg_temp.luhn(base) AS tax
  FROM (SELECT g, pg_temp.u(g, {seed} + 1) AS r,
               lpad((1000000 + g)::text, 7, '0') || lpad((1 + g % 100)::text, 3, '0') AS base
        FROM generate_series(1, {public_bodies}) AS g) AS s
) AS pb
JOIN bench_municipality m ON m.rn = 1 + (pb.g - 1) % {municipalities};
"""

THIRD_SECTOR = """
INSERT INTO organizations_organization {org_columns}
SELECT {public_bodies} + g,
       CASE form WHEN 'SOCIAL_COOPERATIVE' THEN 'Cooperativa sociale ' || g
                 WHEN 'CONSORTIUM' THEN 'Consorzio di cooperative ' || g
                 WHEN 'FOUNDATION' THEN 'Fondazione di comunità ' || g
                 WHEN 'SOCIAL_ENTERPRISE' THEN 'Impresa sociale ' || g
                 WHEN 'ASSOCIATION' THEN 'Associazione ' || g
                 ELSE 'Ente del Terzo settore ' || g END || ' – ' || m.name,
       'bench-ets-' || g, 'THIRD_SECTOR', '', form, base || pg_temp.luhn(base),
       CASE WHEN form IN ('SOCIAL_COOPERATIVE', 'CONSORTIUM', 'SOCIAL_ENTERPRISE')
            THEN base || pg_temp.luhn(base) ELSE '' END,
       lpad(g::text, 6, '0'),
       CASE form WHEN 'ASSOCIATION' THEN (CASE WHEN g % 2 = 0 THEN 'ODV' ELSE 'APS' END)
                 WHEN 'FOUNDATION' THEN 'EF' WHEN 'OTHER' THEN 'ALTRI' ELSE 'IS' END,
       '', 'info@ets' || g || '.example.it', '', '', '', '', false,
       CASE WHEN g % 2 = 0 THEN now() END, now(), NULL, m.municipality_id, NULL
FROM (
  SELECT g,
         CASE WHEN r < 0.35 THEN 'SOCIAL_COOPERATIVE' WHEN r < 0.80 THEN 'ASSOCIATION'
              WHEN r < 0.83 THEN 'CONSORTIUM' WHEN r < 0.88 THEN 'FOUNDATION'
              WHEN r < 0.95 THEN 'SOCIAL_ENTERPRISE' ELSE 'OTHER' END AS form,
         lpad((2000000 + g)::text, 7, '0') || lpad((1 + g % 100)::text, 3, '0') AS base,
         1 + pg_temp.pick(g, {seed} + 3, {municipalities}) AS mrn
  FROM (SELECT g, pg_temp.u(g, {seed} + 2) AS r
        FROM generate_series(1, {third_sector}) AS g) AS s
) AS ts
JOIN bench_municipality m ON m.rn = ts.mrn;
"""

FUNDERS = """
INSERT INTO organizations_organization {org_columns}
SELECT {funders_from} + g, 'Fondazione erogativa ' || g || ' – ' || m.name, 'bench-funder-' || g,
       'FUNDER', '', 'FOUNDATION', base || pg_temp.luhn(base), '', '', '',
       '', 'bandi@fondazione' || g || '.example.it', '', '', '', '', false,
       now(), now(), NULL, m.municipality_id, NULL
FROM (SELECT g, lpad((3000000 + g)::text, 7, '0') || lpad((1 + g % 100)::text, 3, '0') AS base,
             1 + pg_temp.pick(g, {seed} + 4, {municipalities}) AS mrn
      FROM generate_series(1, {funders}) AS g) AS f
JOIN bench_municipality m ON m.rn = f.mrn;
"""

PROGRAMS = """
INSERT INTO procedures_program
  (id, title, slug, area, start_year, end_year, description, created_at, owner_id)
SELECT g, 'Programma ' || g || ' – ' || lower(area), 'bench-program-' || g, area,
       start_year, start_year + years - 1, '', now(), owner_id
FROM (SELECT g, 1 + pg_temp.pick(g, {seed} + 10, {public_bodies}) AS owner_id,
             2010 + pg_temp.pick(g, {seed} + 11, 12) AS start_year,
             2 + pg_temp.pick(g, {seed} + 12, 4) AS years,
             (ARRAY['SOCIAL_WELFARE', 'SOCIAL_WELFARE', 'SOCIAL_WELFARE', 'HEALTH', 'EDUCATION',
                    'HOUSING', 'EMPLOYMENT', 'CULTURE', 'ENVIRONMENT', 'OTHER'])
               [1 + pg_temp.pick(g, {seed} + 13, 10)::int] AS area
      FROM generate_series(1, {programs}) AS g) AS p;
"""

PROCEDURES = """
INSERT INTO procedures_procedure
  (id, title, kind, origin, state, reference, opened_on, closed_on, description, created_at,
   owner_id, program_id, objectives, territory, requirements, non_ets_partners,
   commission_checks_admission, tie_rule, cancel_reason, final_document, receipts_issued)
SELECT g, 'Procedimento ' || g, kind, origin,
       CASE WHEN kind = 'CO_PROGRAMMING' THEN 'CONCLUDED'
            WHEN origin = 'HISTORICAL' THEN 'COMPLETED'
            WHEN r < 0.5 THEN 'COMPLETED' WHEN r < 0.9 THEN 'IN_PROGRESS' ELSE 'AGREED' END,
       'AV-' || p.start_year || '-' || g,
       make_date(p.start_year, 1 + pg_temp.pick(g, {seed} + 22, 12)::int, 1), NULL, '', now(),
       p.owner_id, p.id, '', '', '', false, false, 'EARLIER_SUBMISSION', '', '', 0
FROM (SELECT g, 1 + pg_temp.pick(g, {seed} + 20, {programs}) AS program_id,
             pg_temp.u(g, {seed} + 21) AS r,
             CASE WHEN pg_temp.u(g, {seed} + 23) < 0.6 THEN 'CO_DESIGN'
                  WHEN pg_temp.u(g, {seed} + 23) < 0.85 THEN 'CO_PROGRAMMING'
                  ELSE 'ACCREDITATION' END AS kind,
             CASE WHEN pg_temp.u(g, {seed} + 24) < 0.4 THEN 'HISTORICAL' ELSE 'PLATFORM' END
               AS origin
      FROM generate_series(1, {procedures}) AS g) AS s
JOIN procedures_program p ON p.id = s.program_id;
"""

# Helper tables for the entries: each program's territory, partners and procedures.
PLACES = """
CREATE TEMP TABLE bench_ts_pool ON COMMIT DROP AS
SELECT m.province_id AS pool, row_number() OVER (PARTITION BY m.province_id ORDER BY o.id) AS rn,
       o.id AS org_id
FROM organizations_organization o JOIN territories_municipality m ON m.id = o.municipality_id
WHERE o.kind = 'THIRD_SECTOR'
UNION ALL
SELECT 0, row_number() OVER (ORDER BY o.id), o.id
FROM organizations_organization o WHERE o.kind = 'THIRD_SECTOR';
CREATE INDEX ON bench_ts_pool (pool, rn);
ANALYZE bench_ts_pool;

CREATE TEMP TABLE bench_proc ON COMMIT DROP AS
SELECT program_id, row_number() OVER (PARTITION BY program_id ORDER BY id) AS rn, id AS proc_id
FROM procedures_procedure;
CREATE INDEX ON bench_proc (program_id, rn);
ANALYZE bench_proc;

CREATE TEMP TABLE bench_program ON COMMIT DROP AS
SELECT p.id AS program_id, p.owner_id, p.start_year, p.end_year - p.start_year + 1 AS years,
       CASE WHEN pc.cnt IS NULL THEN 0 ELSE m.province_id END AS pool,
       coalesce(pc.cnt, (SELECT count(*) FROM bench_ts_pool WHERE pool = 0)) AS pool_size,
       3 + pg_temp.pick(p.id, {seed} + 30, 28) AS partners,
       (SELECT count(*) FROM bench_proc bp WHERE bp.program_id = p.id) AS procedures
FROM procedures_program p
JOIN organizations_organization o ON o.id = p.owner_id
JOIN territories_municipality m ON m.id = o.municipality_id
LEFT JOIN (SELECT pool, count(*) AS cnt FROM bench_ts_pool WHERE pool <> 0 GROUP BY pool) pc
  ON pc.pool = m.province_id;
CREATE UNIQUE INDEX ON bench_program (program_id);
ANALYZE bench_program;
"""

ENTRY_COLUMNS = """
(id, kind, category, source, grant_reference, year, amount, quantity, unit, unit_value,
 valuation_note, description, reason, external_id, recorded_at, contributor_id, funder_id,
 import_batch_id, procedure_id, program_id, recorded_by_id, reverses_id, rate_id)
"""

# Sources: 35 % the owner's budget, 8 % other public funds, 10 % foundation grants (naming a
# funder), 30 % own resources, 17 % private donations; 35 % pledges, 65 % actuals. Entries
# are spread over programs with a long tail (a few big programs, many small ones); the
# owner's budget lines are larger, so leverage lands in the tens of percent as in Lecco.
ENTRIES = """
INSERT INTO ledger_ledgerentry {entry_columns}
SELECT e.g, e.kind, e.category, e.source,
       CASE WHEN e.source = 'FOUNDATION_GRANT'
            THEN 'Bando ' || e.year || ' n. ' || (1 + pg_temp.pick(e.g, {seed} + 50, 400))
            ELSE '' END,
       e.year,
       CASE WHEN e.in_kind THEN round(e.quantity * e.unit_value, 2) ELSE e.amount END,
       CASE WHEN e.in_kind THEN e.quantity END,
       CASE WHEN e.in_kind THEN 'HOUR' ELSE '' END,
       CASE WHEN e.in_kind THEN e.unit_value END,
       '', '', '', '',
       now() - make_interval(secs => pg_temp.u(e.g, {seed} + 51) * 3e8),
       CASE e.source WHEN 'PUBLIC_OWNER' THEN e.owner_id
                     WHEN 'OTHER_PUBLIC'
                       THEN 1 + (e.owner_id + pg_temp.pick(e.g, {seed} + 52, {public_bodies} - 1))
                                % {public_bodies}
                     ELSE tp.org_id END,
       CASE WHEN e.source = 'FOUNDATION_GRANT'
            THEN {funders_from} + 1 + pg_temp.pick(e.g, {seed} + 53, {funders}) END,
       NULL, pr.proc_id, e.program_id, {user_id}, NULL, NULL
FROM (
  SELECT a.g, b.program_id, b.owner_id, b.pool, b.pool_size, b.partners, b.procedures,
         CASE WHEN a.us < 0.35 THEN 'PUBLIC_OWNER' WHEN a.us < 0.43 THEN 'OTHER_PUBLIC'
              WHEN a.us < 0.53 THEN 'FOUNDATION_GRANT' WHEN a.us < 0.83 THEN 'OWN_RESOURCES'
              ELSE 'PRIVATE_DONATIONS' END AS source,
         CASE WHEN a.uk < 0.35 THEN 'PLEDGE' ELSE 'ACTUAL' END AS kind,
         CASE WHEN a.us >= 0.43 AND a.us < 0.53 THEN 'ECONOMIC'
              WHEN a.us < 0.43 THEN (CASE WHEN a.uc < 0.8 THEN 'ECONOMIC'
                                          WHEN a.uc < 0.9 THEN 'ORGANISATIONAL'
                                          ELSE 'PROFESSIONAL' END)
              WHEN a.uc < 0.3 THEN 'ECONOMIC' WHEN a.uc < 0.7 THEN 'PROFESSIONAL'
              WHEN a.uc < 0.9 THEN 'ORGANISATIONAL' ELSE 'PROJECT' END AS category,
         a.us >= 0.53 AND a.uc >= 0.3 AND a.uc < 0.5 AS in_kind,
         b.start_year + pg_temp.pick(a.g, {seed} + 54, b.years) AS year,
         round(exp(ln(200) + pg_temp.u(a.g, {seed} + 55) * ln(2500))::numeric
               * CASE WHEN a.us < 0.35 THEN 5 ELSE 1 END, 2) AS amount,
         (8 + pg_temp.pick(a.g, {seed} + 56, 1500))::numeric AS quantity,
         (ARRAY[18.50, 22.50, 27.00, 31.20])[1 + pg_temp.pick(a.g, {seed} + 57, 4)::int]::numeric
           AS unit_value,
         CASE WHEN b.procedures > 0 AND pg_temp.u(a.g, {seed} + 58) < 0.8
              THEN 1 + pg_temp.pick(a.g, {seed} + 59, b.procedures) END AS proc_rn,
         1 + (hashint8extended(b.program_id * 64
                               + pg_temp.pick(a.g, {seed} + 60, b.partners), {seed} + 61)
              & 2147483647) % b.pool_size AS partner_rn
  FROM (SELECT g,
               1 + floor({programs} * power(pg_temp.u(g, {seed} + 62), 1.5))::bigint AS program_id,
               pg_temp.u(g, {seed} + 63) AS us, pg_temp.u(g, {seed} + 64) AS uk,
               pg_temp.u(g, {seed} + 65) AS uc
        FROM generate_series(1, {originals}) AS g) AS a
  JOIN bench_program b ON b.program_id = a.program_id
) AS e
LEFT JOIN bench_ts_pool tp ON tp.pool = e.pool AND tp.rn = e.partner_rn
LEFT JOIN bench_proc pr ON pr.program_id = e.program_id AND pr.rn = e.proc_rn
ORDER BY e.g;
"""

# One original in 200 is reversed by a later entry (a correction with a reason).
REVERSALS = """
INSERT INTO ledger_ledgerentry {entry_columns}
SELECT {originals} + e.id / 200, e.kind, e.category, e.source, e.grant_reference, e.year,
       e.amount, e.quantity, e.unit, e.unit_value, e.valuation_note, e.description,
       'Importo registrato due volte', '', e.recorded_at + interval '30 days',
       e.contributor_id, e.funder_id, NULL, e.procedure_id, e.program_id, {user_id}, e.id, NULL
FROM ledger_ledgerentry e
WHERE e.id IN (SELECT g * 200 FROM generate_series(1, {reversals}) AS g)
ORDER BY e.id;
"""

# Every actual has a verification by the owning body: the owner's own budget lines are
# accepted at once; others end ACCEPTED (90 %), PENDING (7 %) or REJECTED (3 %), and 5 % of
# the decided ones went through an earlier PENDING event (so "latest event" matters).
VERIFICATIONS = """
INSERT INTO ledger_verification (status, reason, at, by_id, entry_id, import_batch_id,
                                 organization_id)
SELECT 'PENDING', '', e.recorded_at, {user_id}, e.id, NULL, p.owner_id
FROM ledger_ledgerentry e JOIN procedures_program p ON p.id = e.program_id
WHERE e.reverses_id IS NULL AND e.kind = 'ACTUAL' AND e.source <> 'PUBLIC_OWNER'
  AND pg_temp.u(e.id, {seed} + 70) < 0.05
  AND NOT (pg_temp.u(e.id, {seed} + 71) >= 0.90 AND pg_temp.u(e.id, {seed} + 71) < 0.97)
ORDER BY e.id;

INSERT INTO ledger_verification (status, reason, at, by_id, entry_id, import_batch_id,
                                 organization_id)
SELECT s.status, CASE WHEN s.status = 'REJECTED' THEN 'Documentazione insufficiente' ELSE '' END,
       s.recorded_at + interval '10 days', {user_id}, s.id, NULL, s.owner_id
FROM (SELECT e.id, e.recorded_at, p.owner_id,
             CASE WHEN e.source = 'PUBLIC_OWNER' THEN 'ACCEPTED'
                  WHEN pg_temp.u(e.id, {seed} + 71) < 0.90 THEN 'ACCEPTED'
                  WHEN pg_temp.u(e.id, {seed} + 71) < 0.97 THEN 'PENDING'
                  ELSE 'REJECTED' END AS status
      FROM ledger_ledgerentry e JOIN procedures_program p ON p.id = e.program_id
      WHERE e.reverses_id IS NULL AND e.kind = 'ACTUAL') AS s
ORDER BY s.id;
"""

# Funders confirm 40 % of the grants; 0.4 % are disputed, a quarter of which were later
# confirmed again (the latest event counts).
CONFIRMATIONS = """
INSERT INTO ledger_funderconfirmation (status, reason, at, by_id, organization_id, entry_id)
SELECT CASE WHEN pg_temp.u(e.id, {seed} + 80) < 0.40 THEN 'CONFIRMED' ELSE 'DISPUTED' END,
       CASE WHEN pg_temp.u(e.id, {seed} + 80) < 0.40 THEN '' ELSE 'Importo non corrispondente' END,
       e.recorded_at + interval '20 days', {user_id}, e.funder_id, e.id
FROM ledger_ledgerentry e
WHERE e.reverses_id IS NULL AND e.source = 'FOUNDATION_GRANT'
  AND pg_temp.u(e.id, {seed} + 80) < 0.404
ORDER BY e.id;

INSERT INTO ledger_funderconfirmation (status, reason, at, by_id, organization_id, entry_id)
SELECT 'CONFIRMED', 'Importo chiarito', e.recorded_at + interval '40 days', {user_id},
       e.funder_id, e.id
FROM ledger_ledgerentry e
WHERE e.reverses_id IS NULL AND e.source = 'FOUNDATION_GRANT'
  AND pg_temp.u(e.id, {seed} + 80) >= 0.403 AND pg_temp.u(e.id, {seed} + 80) < 0.404
ORDER BY e.id;
"""

# --- Roll-ups, set-based: the same rules as rollups.add and state.measure_for -----------
#
# measure_for(kind, source, verification, confirmation), on the ORIGINAL entry's latest
# events (a reversal counts wherever the entry it cancels counts, with a negative amount):
#   PLEDGE                                              -> PLEDGED
#   verification ACCEPTED, grant with latest DISPUTED   -> DISPUTED
#   verification ACCEPTED                               -> ACCEPTED
#   verification REJECTED                               -> REJECTED
#   otherwise (PENDING or no verification)              -> PENDING
ROLLUP_FINE = """
CREATE TEMP TABLE bench_latest_verification ON COMMIT DROP AS
SELECT DISTINCT ON (entry_id) entry_id, status FROM ledger_verification
ORDER BY entry_id, id DESC;
CREATE UNIQUE INDEX ON bench_latest_verification (entry_id);
CREATE TEMP TABLE bench_latest_confirmation ON COMMIT DROP AS
SELECT DISTINCT ON (entry_id) entry_id, status FROM ledger_funderconfirmation
ORDER BY entry_id, id DESC;
CREATE UNIQUE INDEX ON bench_latest_confirmation (entry_id);
ANALYZE bench_latest_verification;
ANALYZE bench_latest_confirmation;

CREATE TEMP TABLE bench_place ON COMMIT DROP AS
SELECT p.id AS program_id, p.owner_id, m.province_id, pr.region_id
FROM procedures_program p
JOIN organizations_organization o ON o.id = p.owner_id
JOIN territories_municipality m ON m.id = o.municipality_id
JOIN territories_province pr ON pr.id = m.province_id;
CREATE UNIQUE INDEX ON bench_place (program_id);
ANALYZE bench_place;

CREATE TEMP TABLE bench_fine ON COMMIT DROP AS
SELECT e.program_id, e.procedure_id, e.contributor_id, e.source, e.category, e.year,
       CASE WHEN e.kind = 'PLEDGE' THEN 'PLEDGED'
            WHEN v.status = 'ACCEPTED' THEN
              CASE WHEN e.source = 'FOUNDATION_GRANT' AND c.status = 'DISPUTED'
                   THEN 'DISPUTED' ELSE 'ACCEPTED' END
            WHEN v.status = 'REJECTED' THEN 'REJECTED'
            ELSE 'PENDING' END AS measure,
       sum(CASE WHEN e.reverses_id IS NULL THEN e.amount ELSE -e.amount END) AS amount,
       count(*) AS entries
FROM ledger_ledgerentry e
LEFT JOIN bench_latest_verification v ON v.entry_id = coalesce(e.reverses_id, e.id)
LEFT JOIN bench_latest_confirmation c ON c.entry_id = coalesce(e.reverses_id, e.id)
{where}
GROUP BY 1, 2, 3, 4, 5, 6, 7;
ANALYZE bench_fine;
"""

# LedgerTotal: program, owner, province, region, procedure (when set) and contributor.
LEDGER_TOTAL = """
INSERT INTO ledger_ledgertotal (level, scope_id, measure, source, category, year, amount, entries)
SELECT '{level}', {scope}, f.measure, f.source, f.category, f.year, sum(f.amount), sum(f.entries)
FROM bench_fine f JOIN bench_place pl ON pl.program_id = f.program_id
WHERE {scope} IS NOT NULL
GROUP BY 2, 3, 4, 5, 6;
"""
TOTAL_SCOPES = {
    "program": "f.program_id",
    "owner": "pl.owner_id",
    "province": "pl.province_id",
    "region": "pl.region_id",
    "procedure": "f.procedure_id",
    "contributor": "f.contributor_id",
}

# ContributorTotal: program, owner, province, region, procedure (when set) and the country
# (scope 0), each for the entry's year and for year 0 (all years).
CONTRIBUTOR_TOTAL = """
INSERT INTO ledger_contributortotal
  (level, scope_id, measure, additional, year, contributor_id, amount, entries)
SELECT '{level}', scope_id, measure, additional, coalesce(year, 0), contributor_id,
       sum(amount), sum(entries)
FROM (SELECT {scope} AS scope_id, f.measure, f.source IN """
CONTRIBUTOR_TOTAL += ADDITIONAL
CONTRIBUTOR_TOTAL += """ AS additional,
             f.year, f.contributor_id, f.amount, f.entries
      FROM bench_fine f JOIN bench_place pl ON pl.program_id = f.program_id
      WHERE {scope} IS NOT NULL) AS s
GROUP BY GROUPING SETS ((scope_id, measure, additional, contributor_id, year),
                        (scope_id, measure, additional, contributor_id));
"""
CONTRIBUTOR_SCOPES = {
    "program": "f.program_id",
    "owner": "pl.owner_id",
    "province": "pl.province_id",
    "region": "pl.region_id",
    "procedure": "f.procedure_id",
    "country": "0",
}

SETVAL = "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"

DEFERRED_INDEXES = """
SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
  AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))
UNION ALL
SELECT CASE contype WHEN 'u' THEN 'unique' ELSE 'foreign' END, conname,
       pg_get_constraintdef(oid)
FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
"""


def _sql(template: str, **params) -> str:
    return template.format(org_columns=ORG_COLUMNS, entry_columns=ENTRY_COLUMNS, **params)


def _execute(cursor, sql: str) -> None:
    for statement in sql.split(";\n"):
        if statement.strip():
            cursor.execute(statement)


class Timer:
    def __init__(self, log):
        self.phases = {}
        self.log = log

    @contextmanager
    def phase(self, name):
        self.log(f"  {name} …")
        started = time.perf_counter()
        yield
        self.phases[name] = round(time.perf_counter() - started, 2)
        self.log(f"  {name}: {self.phases[name]:.1f} s")


def originals_for(entries: int) -> tuple[int, int]:
    """Originals and reversals (one original in 200 reversed) adding up to `entries`."""
    originals = math.ceil(entries * 200 / 201)
    while originals + originals // 200 > entries:
        originals -= 1
    return originals, entries - originals


@contextmanager
def _without_bulk_indexes(cursor, tables):
    """Drop secondary indexes and unique/foreign-key constraints; re-create them afterwards."""
    # Check the foreign keys of the rows inserted so far now: a table with pending deferred
    # checks cannot be altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    saved = []
    for table in tables:
        cursor.execute(DEFERRED_INDEXES, [table, table])
        saved.extend((table, *row) for row in cursor.fetchall())
    for table, kind, name, _definition in saved:
        if kind == "foreign":
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, kind, name, _definition in saved:
        if kind == "unique":
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        elif kind == "index":
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    for table, kind, name, definition in saved:
        if kind == "index":
            cursor.execute(definition)
        elif kind == "unique":
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for table, kind, name, definition in saved:
        if kind == "foreign":
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _empty_database(cursor) -> None:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [name for (name,) in cursor.fetchall() if name not in KEEP_TABLES]
    if tables:
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )


def build_rollups(cursor, *, where: str = "") -> None:
    """Add the roll-up rows of the entries matching `where` (all by default), set-based."""
    _execute(cursor, _sql(ROLLUP_FINE, where=where))
    for level, scope in TOTAL_SCOPES.items():
        cursor.execute(_sql(LEDGER_TOTAL, level=level, scope=scope))
    for level, scope in CONTRIBUTOR_SCOPES.items():
        cursor.execute(_sql(CONTRIBUTOR_TOTAL, level=level, scope=scope))


def generate(size: Size, *, seed: int, log) -> dict:
    """Fill the (emptied) benchmark database; returns the timings of each phase."""
    from django.contrib.auth import get_user_model

    from trama.territories.services import load_territories

    timer = Timer(log)
    originals, reversals = originals_for(size.entries)
    salt = seed * 1000
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '2GB'")
        # Bulk statements want hash joins; a nested loop picked on stale statistics (the
        # tables were empty when last analysed) rescans millions of rows per outer row.
        cursor.execute("SET LOCAL enable_nestloop = off")
        with timer.phase("empty database and load territories"):
            _empty_database(cursor)
            load_territories()
        user = get_user_model().objects.create_user(
            "bench-generator@trama.test", None, first_name="Bench", last_name="Generator"
        )
        _execute(cursor, FUNCTIONS)
        cursor.execute("SELECT count(*) FROM territories_municipality")
        municipalities = cursor.fetchone()[0]
        params = {
            "seed": salt,
            "municipalities": municipalities,
            "public_bodies": size.public_bodies,
            "third_sector": size.third_sector,
            "funders": size.funders,
            "funders_from": size.public_bodies + size.third_sector,
            "programs": size.programs,
            "procedures": size.procedures,
            "originals": originals,
            "reversals": reversals,
            "user_id": user.pk,
        }
        with timer.phase("organisations"):
            _execute(cursor, _sql(MUNICIPALITIES, **params))
            for template in (PUBLIC_BODIES, THIRD_SECTOR, FUNDERS):
                cursor.execute(_sql(template, **params))
            cursor.execute("ANALYZE organizations_organization")
        with timer.phase("programs and procedures"):
            cursor.execute(_sql(PROGRAMS, **params))
            cursor.execute(_sql(PROCEDURES, **params))
            cursor.execute("ANALYZE procedures_program, procedures_procedure")
            _execute(cursor, _sql(PLACES, **params))
        with _without_bulk_indexes(cursor, BULK_TABLES):
            with timer.phase(f"ledger entries ({size.entries:,})"):
                cursor.execute(_sql(ENTRIES, **params))
                cursor.execute(_sql(REVERSALS, **params))
                # ANALYZE sees this transaction's own rows: the next statements plan on them.
                cursor.execute("ANALYZE ledger_ledgerentry")
            with timer.phase("verification and funder events"):
                _execute(cursor, _sql(VERIFICATIONS, **params))
                _execute(cursor, _sql(CONFIRMATIONS, **params))
                cursor.execute("ANALYZE ledger_verification, ledger_funderconfirmation")
            with timer.phase("roll-ups (set-based SQL)"):
                build_rollups(cursor)
            timer.log("  indexes and constraints …")
            started = time.perf_counter()
        timer.phases["indexes and constraints"] = round(time.perf_counter() - started, 2)
        timer.log(f"  indexes and constraints: {timer.phases['indexes and constraints']:.1f} s")
        for table in (
            "organizations_organization",
            "procedures_program",
            "procedures_procedure",
            "ledger_ledgerentry",
        ):
            cursor.execute(SETVAL.format(table=table))
        # What was generated, and how long it took, for later runs with --reuse.
        _execute(cursor, BENCH_META)
        cursor.execute("TRUNCATE bench_meta")
        cursor.execute(
            "INSERT INTO bench_meta (size, seed, generated_at) VALUES (%s, %s, now())",
            [size.name, seed],
        )
    with timer.phase("vacuum analyze"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("UPDATE bench_meta SET phases = %s", [json.dumps(timer.phases)])
    return timer.phases


BENCH_META = """
CREATE TABLE IF NOT EXISTS bench_meta (size text, seed int, generated_at timestamptz);
ALTER TABLE bench_meta ADD COLUMN IF NOT EXISTS phases jsonb
"""


def generated(cursor) -> dict | None:
    """The size, seed, time and phase timings of the data in the database, if generated."""
    cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return None
    _execute(cursor, BENCH_META)
    cursor.execute("SELECT size, seed, generated_at, phases FROM bench_meta")
    row = cursor.fetchone()
    if row is None:
        return None
    size, seed, at, phases = row
    if isinstance(phases, str):
        phases = json.loads(phases)
    return {"size": size, "seed": seed, "generated_at": at.isoformat(), "phases": phases}


def counts() -> dict:
    tables = {
        "organisations": "organizations_organization",
        "programs": "procedures_program",
        "procedures": "procedures_procedure",
        "ledger_entries": "ledger_ledgerentry",
        "verifications": "ledger_verification",
        "funder_confirmations": "ledger_funderconfirmation",
        "ledger_totals": "ledger_ledgertotal",
        "contributor_totals": "ledger_contributortotal",
    }
    result = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            result[label] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT kind, count(*) FROM organizations_organization GROUP BY kind ORDER BY kind"
        )
        result["organisations_by_kind"] = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM ledger_ledgerentry WHERE reverses_id IS NOT NULL")
        result["reversals"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "pg_size_pretty(pg_total_relation_size('ledger_ledgerentry')), "
            "pg_size_pretty(pg_total_relation_size('ledger_ledgertotal')), "
            "pg_size_pretty(pg_total_relation_size('ledger_contributortotal'))"
        )
        db, entries, totals, contributors = cursor.fetchone()
        result["sizes_on_disk"] = {
            "database": db,
            "ledger_entries": entries,
            "ledger_totals": totals,
            "contributor_totals": contributors,
        }
    return result


def check_tax_codes(sample: int = 200) -> int:
    """How many of a sample of generated tax codes fail python-stdnum (should be none)."""
    from trama.organizations.models import Organization
    from trama.organizations.validators import validate_tax_code

    failures = 0
    for code in Organization.objects.order_by("?").values_list("tax_code", flat=True)[:sample]:
        try:
            validate_tax_code(code)
        except Exception:  # noqa: BLE001
            failures += 1
    return failures


# --------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------


def summary(seconds: list[float]) -> dict:
    if not seconds:
        return {"n": 0}
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(0, math.ceil(0.95 * len(ms)) - 1)]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ms[-1], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def _scope_ids(rng, level: str, samples: int) -> list[int]:
    from trama.organizations.models import Organization
    from trama.procedures.models import Procedure, Program
    from trama.territories.models import Province, Region

    if level == "country":
        return [0] * samples
    pools = {
        "procedure": lambda: Procedure.objects.values_list("pk", flat=True),
        "program": lambda: Program.objects.values_list("pk", flat=True),
        "owner": lambda: Program.objects.values_list("owner_id", flat=True).distinct(),
        "province": lambda: Province.objects.values_list("pk", flat=True),
        "region": lambda: Region.objects.values_list("pk", flat=True),
        "contributor": lambda: Organization.objects.filter(kind="THIRD_SECTOR").values_list(
            "pk", flat=True
        ),
    }
    ids = list(pools[level]())
    if len(ids) >= samples:
        return rng.sample(ids, samples)
    return [rng.choice(ids) for _ in range(samples)]


def measure_figures(size: Size, rng, log) -> dict:
    """compute_figures over random scopes of each level (the country: repeated)."""
    from trama.ledger.figures import Scope, compute_figures

    plan = [
        ("procedure", {}),
        ("program", {}),
        ("region", {}),
        ("country", {}),
        ("owner", {}),
        ("province", {}),
        ("contributor", {}),
        ("region", {"year_from": 2016, "year_to": 2019}),
        ("country", {"year_from": 2016, "year_to": 2019}),
        ("country", "random"),
    ]
    results = {}
    for level, years in plan:
        if years == "random":
            # Any range of years: a different random one for each sample.
            _measure_random_ranges(results, level, size, rng, log)
            continue
        label = level + (" 2016–2019" if years else "")
        ids = _scope_ids(rng, level, size.samples)
        for scope_id in ids[:5]:  # warm-up, not counted
            compute_figures(Scope(level, scope_id), **years)
        times, with_data = [], 0
        for scope_id in ids:
            started = time.perf_counter()
            figures = compute_figures(Scope(level, scope_id), **years)
            times.append(time.perf_counter() - started)
            with_data += figures.has_data
        results[label] = {**summary(times), "scopes_with_data": with_data}
        log(f"  figures {label}: {results[label]}")
    return results


def _measure_random_ranges(results, level, size, rng, log) -> None:
    from trama.ledger.figures import Scope, compute_figures

    label = f"{level} random year ranges"
    times, with_data = [], 0
    for sample in range(size.samples + 5):
        first = rng.randint(2008, 2030)
        last = rng.randint(first, 2030)
        started = time.perf_counter()
        figures = compute_figures(Scope(level, 0), year_from=first, year_to=last)
        if sample >= 5:  # the first five warm up
            times.append(time.perf_counter() - started)
            with_data += figures.has_data
    results[label] = {**summary(times), "scopes_with_data": with_data}
    log(f"  figures {label}: {results[label]}")


def explain_figures(level: str, scope_id: int, **years) -> list[dict]:
    """EXPLAIN ANALYZE of every query compute_figures runs for one scope."""
    from trama.ledger.figures import Scope, compute_figures

    with CaptureQueriesContext(connection) as captured:
        compute_figures(Scope(level, scope_id), **years)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(
                {"sql": query["sql"], "plan": "\n".join(row[0] for row in cursor.fetchall())}
            )
    return plans


def _writer_user(programs) -> object:
    """A user who belongs to the owning bodies of the programs written to (via the ORM)."""
    from django.contrib.auth import get_user_model

    from trama.organizations.models import Membership

    user, _created = get_user_model().objects.get_or_create(
        email="bench-writer@trama.test", defaults={"first_name": "Bench", "last_name": "Writer"}
    )
    Membership.objects.bulk_create(
        [Membership(organization_id=p.owner_id, user=user) for p in programs],
        ignore_conflicts=True,
    )
    return user


class Writer:
    """Records actuals on one program the way an officer of its owning body does."""

    def __init__(self, program, user, rng, years=None):
        from trama.organizations.models import Organization

        self.program = program
        self.user = user
        self.rng = rng
        self.years = list(years or program.years)
        self.procedures = list(program.procedures.all()[:10])
        partner_ids = list(
            program.entries.filter(source="OWN_RESOURCES")
            .values_list("contributor_id", flat=True)
            .distinct()[:10]
        ) or list(Organization.objects.filter(kind="THIRD_SECTOR").values_list("pk", flat=True)[:5])
        self.partners = list(Organization.objects.filter(pk__in=partner_ids))

    def write(self):
        from trama.ledger import services

        rng = self.rng
        own = rng.random() < 0.5
        return services.record_entry(
            by=self.user,
            program=self.program,
            kind="ACTUAL",
            category="ECONOMIC" if own else rng.choice(["PROFESSIONAL", "ORGANISATIONAL"]),
            source="PUBLIC_OWNER" if own else "OWN_RESOURCES",
            contributor=self.program.owner if own else rng.choice(self.partners),
            year=rng.choice(self.years),
            amount=f"{rng.randint(100, 50_000)}.{rng.randint(0, 99):02d}",
            procedure=rng.choice(self.procedures)
            if self.procedures and rng.random() < 0.5
            else None,
            description="Scrittura di prova del benchmark",
        )


def measure_writes(size: Size, rng, log) -> dict:
    from trama.procedures.models import Program

    ids = _scope_ids(rng, "program", min(size.writes, Program.objects.count()))
    programs = list(Program.objects.with_territory().filter(pk__in=ids))
    user = _writer_user(programs)
    writers = [Writer(p, user, rng) for p in programs]
    for writer in writers[:3]:
        writer.write()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        writers[0].write()
    times = []
    for i in range(size.writes):
        writer = writers[i % len(writers)]
        started = time.perf_counter()
        writer.write()
        times.append(time.perf_counter() - started)
    result = {**summary(times), "queries_per_write": len(captured.captured_queries)}
    log(f"  entry write: {result}")
    return result


LOCK_SAMPLE = """
SELECT a.pid, a.wait_event_type, a.wait_event, l.relation::regclass::text, a.query
FROM pg_stat_activity a
LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend' AND a.state = 'active'
"""


WAITED_TABLES = [
    "ledger_ledgertotal",
    "ledger_contributortotal",
    "audit_chainhead",
    "audit_auditevent",
    "ledger_ledgerentry",
    "ledger_verification",
]


def _table_of(query: str) -> str:
    """The table a waiting statement writes to or locks (a row wait names no relation)."""
    query = query or ""
    return next((table for table in WAITED_TABLES if table in query), query[:40])


class LockSampler(threading.Thread):
    """Polls pg_stat_activity/pg_locks: how many writers wait on a lock, and on what."""

    def __init__(self, conninfo: str, interval: float = 0.005):
        super().__init__(daemon=True)
        self.conninfo = conninfo
        self.interval = interval
        self.stop = threading.Event()
        self.samples = 0
        self.active = 0
        self.waiting = 0
        self.on = Counter()
        self.started_at = self.stopped_at = 0.0

    def run(self):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            self.started_at = time.perf_counter()
            while not self.stop.is_set():
                rows = conn.execute(LOCK_SAMPLE).fetchall()
                pids = {row[0] for row in rows}
                waiting = {row[0] for row in rows if row[1] == "Lock"}
                self.samples += 1
                self.active += len(pids)
                self.waiting += len(waiting)
                for _pid, kind, event, relation, query in rows:
                    if kind == "Lock":
                        self.on[f"{event} on {relation or _table_of(query)}"] += 1
                time.sleep(self.interval)
            self.stopped_at = time.perf_counter()

    def report(self, writes: int) -> dict:
        elapsed = self.stopped_at - self.started_at
        mean_waiting = self.waiting / self.samples if self.samples else 0.0
        total = sum(self.on.values()) or 1
        return {
            "samples": self.samples,
            "mean_active_backends": round(self.active / max(self.samples, 1), 2),
            "mean_backends_waiting_on_locks": round(mean_waiting, 2),
            # Little's law: time spent waiting = mean number waiting × elapsed time.
            "lock_wait_ms_per_write": round(mean_waiting * elapsed * 1000 / max(writes, 1), 2),
            "waits_on": {k: round(v / total, 3) for k, v in self.on.most_common(6)},
        }


def _write_for(program_id, user_id, seconds, seed, latencies, errors, barrier):
    from django.contrib.auth import get_user_model

    from trama.procedures.models import Program

    try:
        program = Program.objects.with_territory().get(pk=program_id)
        writer = Writer(program, get_user_model().objects.get(pk=user_id), random.Random(seed))
        barrier.wait()
        stop_at = time.perf_counter() + seconds
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write()
            latencies.append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 — reported in the results
        errors.append(repr(exc))
        barrier.abort()
    finally:
        connections.close_all()


def _concurrent(program_ids, user, seconds, seed, conninfo) -> dict:
    """One thread per program id (repeat an id for writers sharing a program)."""
    latencies, errors = [], []
    threads = len(program_ids)
    barrier = threading.Barrier(threads + 1)
    workers = [
        threading.Thread(
            target=_write_for,
            args=(program_id, user.pk, seconds, seed + i, latencies, errors, barrier),
        )
        for i, program_id in enumerate(program_ids)
    ]
    for worker in workers:
        worker.start()
    sampler = LockSampler(conninfo)
    with suppress(threading.BrokenBarrierError):
        barrier.wait()
    started = time.perf_counter()
    sampler.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    return {
        "threads": threads,
        "programs": len(set(program_ids)),
        "writes": len(latencies),
        "writes_per_s": round(len(latencies) / elapsed, 1),
        **summary(latencies),
        **sampler.report(len(latencies)),
        "errors": errors[:5],
    }


def _programs_in_one_region(count: int, exclude: int) -> list[int]:
    """`count` programs of different owners in the region with the most programs."""
    from django.db.models import Count

    from trama.procedures.models import Program

    region = (
        Program.objects.values("owner__municipality__province__region")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["owner__municipality__province__region"]
    )
    ids, owners = [], set()
    for pk, owner in (
        Program.objects.filter(owner__municipality__province__region=region)
        .exclude(pk=exclude)
        .order_by("pk")
        .values_list("pk", "owner_id")
    ):
        if owner not in owners:
            ids.append(pk)
            owners.add(owner)
        if len(ids) == count:
            break
    return ids


def _programs_in_different_regions(count: int) -> list[int]:
    from trama.procedures.models import Program

    ids, regions = [], set()
    for pk, region in Program.objects.order_by("pk").values_list(
        "pk", "owner__municipality__province__region"
    ):
        if region not in regions:
            ids.append(pk)
            regions.add(region)
        if len(ids) == count:
            break
    return ids


def measure_lock_waits(size: Size, rng, conninfo: str, log) -> dict:
    """Concurrent writers: on the SAME program, on programs of one region, across regions.

    Writers on one program share its roll-up rows and its audit chain head; writers in one
    region share the region's (and province's) roll-up rows. Writers in different regions
    share no row: their slowdown over a single writer is the CPU (and, with threads, the
    GIL), so the difference to them is what locks cost.
    """
    from trama.procedures.models import Program

    n = size.lock_threads
    # Program 1 holds the most entries (long-tail spread): a busy program.
    busy = Program.objects.order_by("pk").values_list("pk", flat=True).first()
    same_region = _programs_in_one_region(n, busy)
    different_regions = _programs_in_different_regions(n)
    user = _writer_user(Program.objects.filter(pk__in=[busy, *same_region, *different_regions]))
    seconds = size.lock_seconds
    result = {"program": busy}
    result["single_writer"] = _concurrent([busy], user, seconds, 1000, conninfo)
    result["same_program"] = _concurrent([busy] * n, user, seconds, 2000, conninfo)
    result["same_region"] = _concurrent(same_region, user, seconds, 3000, conninfo)
    result["different_regions"] = _concurrent(different_regions, user, seconds, 4000, conninfo)
    for key in ("single_writer", "same_program", "same_region", "different_regions"):
        log(f"  writers {key}: {result[key]}")
    return result


# --- Imports ---------------------------------------------------------------------------
#
# The spreadsheet import is `trama.ledger.imports.run_import(program, by=, data=, file_name=,
# dry_run=)`, the function the upload wizard's background task calls. The benchmark writes
# `import_rows` synthetic rows for one program as CSV (Italian number format, `;`, as in
# the downloadable template) and as XLSX (numeric cells), and times the real import of each
# into a different program. Reading the file alone is timed apart, to tell parsing from
# writing. If the module or its entry point goes away, the hook reports it instead.

IMPORT_COLUMNS = [
    "external_id",
    "kind",
    "category",
    "source",
    "contributor_tax_code",
    "year",
    "amount",
    "quantity",
    "unit",
    "unit_value",
    "funder_tax_code",
    "grant_reference",
    "procedure",
    "description",
]


def _italian(value) -> str:
    whole, _sep, cents = f"{value:.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return ".".join([whole, *groups]) + "," + cents


def import_rows(program, count: int, rng, prefix: str) -> list[dict]:
    """Rows as a program's officer would import them: every source, kind and category."""
    from decimal import Decimal

    from trama.organizations.models import Organization

    province = program.owner.municipality.province_id
    # Forty Third-Sector bodies of the province, picked at random, are the partners.
    codes = list(
        Organization.objects.filter(kind="THIRD_SECTOR", municipality__province_id=province)
        .order_by("pk")
        .values_list("tax_code", flat=True)
    ) or list(
        Organization.objects.filter(kind="THIRD_SECTOR")
        .order_by("pk")
        .values_list("tax_code", flat=True)
    )
    partners = rng.sample(codes, min(40, len(codes)))
    funders = list(Organization.objects.filter(kind="FUNDER").values_list("tax_code", flat=True))
    others = list(
        Organization.objects.filter(kind="PUBLIC_BODY")
        .exclude(pk=program.owner_id)
        .values_list("tax_code", flat=True)[:20]
    )
    references = [p.reference for p in program.procedures.all() if p.reference]
    years = list(program.years)
    rows = []
    for i in range(count):
        u = rng.random()
        source = (
            "PUBLIC_OWNER"
            if u < 0.35
            else "OTHER_PUBLIC"
            if u < 0.43
            else "FOUNDATION_GRANT"
            if u < 0.53
            else "OWN_RESOURCES"
            if u < 0.83
            else "PRIVATE_DONATIONS"
        )
        row = dict.fromkeys(IMPORT_COLUMNS, "")
        row["external_id"] = f"{prefix}-{i + 1:06d}"
        row["kind"] = "PLEDGE" if rng.random() < 0.35 else "ACTUAL"
        row["source"] = source
        row["year"] = rng.choice(years)
        row["description"] = f"Riga {i + 1} importata"
        if source == "PUBLIC_OWNER":
            row["contributor_tax_code"] = program.owner.tax_code
        elif source == "OTHER_PUBLIC":
            row["contributor_tax_code"] = rng.choice(others)
        else:
            row["contributor_tax_code"] = rng.choice(partners)
        if source == "FOUNDATION_GRANT":
            row["funder_tax_code"] = rng.choice(funders)
            row["grant_reference"] = f"Bando {row['year']} n. {rng.randint(1, 400)}"
        if source in ("PUBLIC_OWNER", "OTHER_PUBLIC", "FOUNDATION_GRANT"):
            row["category"] = "ECONOMIC"
        else:
            row["category"] = rng.choice(["ECONOMIC", "PROFESSIONAL", "ORGANISATIONAL", "PROJECT"])
        if row["category"] == "PROFESSIONAL" and rng.random() < 0.5:
            row["quantity"] = Decimal(rng.randint(8, 1500))
            row["unit"] = "HOUR"
            row["unit_value"] = rng.choice([Decimal("18.50"), Decimal("22.50"), Decimal("27.00")])
        else:
            row["amount"] = Decimal(rng.randint(20_000, 5_000_000)) / 100
        if references and rng.random() < 0.5:
            row["procedure"] = rng.choice(references)
        rows.append(row)
    return rows


def import_csv(rows: list[dict]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(IMPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                _italian(row[c])
                if c in ("amount", "quantity", "unit_value") and row[c] != ""
                else row[c]
                for c in IMPORT_COLUMNS
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_xlsx(rows: list[dict]) -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Risorse")
    sheet.append(IMPORT_COLUMNS)
    for row in rows:
        sheet.append([row[c] if row[c] != "" else None for c in IMPORT_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class FigureProbe(threading.Thread):
    """Reads figures (as page views would) while something else writes."""

    def __init__(self, scopes, pause: float = 0.1):
        super().__init__(daemon=True)
        self.scopes = scopes
        self.pause = pause
        self.stop = threading.Event()
        self.times = {level: [] for level, _id in scopes}

    def run(self):
        from trama.ledger.figures import Scope, compute_figures

        try:
            while not self.stop.is_set():
                for level, scope_id in self.scopes:
                    started = time.perf_counter()
                    compute_figures(Scope(level, scope_id))
                    self.times[level].append(time.perf_counter() - started)
                self.stop.wait(self.pause)
        finally:
            connections.close_all()

    def report(self) -> dict:
        return {level: summary(times) for level, times in self.times.items()}


class NeighbourProbe(threading.Thread):
    """Writes, every half second, to another program of the same region as an import.

    An import is one transaction: the roll-up rows it touches (its region's and province's
    included) stay locked until it commits. Each write here gives up after `lock_timeout`.
    """

    def __init__(self, program_id, user_id, years, lock_timeout_s: float = 5.0):
        super().__init__(daemon=True)
        self.program_id, self.user_id, self.years = program_id, user_id, years
        self.lock_timeout_s = lock_timeout_s
        self.stop = threading.Event()
        self.times, self.timeouts, self.errors = [], 0, []

    def run(self):
        from django.contrib.auth import get_user_model
        from django.db import OperationalError

        from trama.procedures.models import Program

        try:
            program = Program.objects.with_territory().get(pk=self.program_id)
            user = get_user_model().objects.get(pk=self.user_id)
            writer = Writer(program, user, random.Random(self.program_id), years=self.years)
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'")
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    writer.write()
                except OperationalError as exc:
                    if "lock timeout" not in str(exc):
                        raise
                    self.timeouts += 1
                self.times.append(time.perf_counter() - started)
                self.stop.wait(0.5)
        except Exception as exc:  # noqa: BLE001 — reported in the results
            self.errors.append(repr(exc))
        finally:
            connections.close_all()

    def report(self) -> dict:
        return {
            "program": self.program_id,
            "attempts": len(self.times),
            "lock_timeouts": self.timeouts,
            "lock_timeout_s": self.lock_timeout_s,
            **summary(self.times),
            "errors": self.errors[:3],
        }


def _neighbour(program):
    """A program of another public body in the same region whose years overlap."""
    from trama.procedures.models import Program

    return (
        Program.objects.with_territory()
        .filter(
            owner__municipality__province__region=program.owner.municipality.province.region_id,
            start_year__lte=program.end_year,
            end_year__gte=program.start_year,
        )
        .exclude(owner=program.owner_id)
        .exclude(pk=1)
        .order_by("pk")
        .first()
    )


def measure_imports(size: Size, rng, log) -> dict:
    try:
        from trama.ledger import imports

        run_import, open_sheet = imports.run_import, imports.open_sheet
    except (ImportError, AttributeError) as exc:
        result = {
            "status": f"not measured: the import is not available ({exc}); "
            "hook: trama.ledger.bench.measure_imports",
            "rows": size.import_rows,
        }
        log(f"  imports: {result['status']}")
        return result
    from trama.procedures.models import Program

    candidates = list(
        Program.objects.with_territory().filter(pk__gt=1).order_by("?")[:2]
    )  # program 1 is the lock test's
    neighbours = [_neighbour(program) for program in candidates]
    user = _writer_user(candidates + [n for n in neighbours if n])
    result = {"rows": size.import_rows}
    for fmt, program, neighbour in zip(("csv", "xlsx"), candidates, neighbours, strict=True):
        rows = import_rows(program, size.import_rows, rng, f"bench-{fmt}")
        data = import_csv(rows) if fmt == "csv" else import_xlsx(rows)
        name = f"bench-{size.name}.{fmt}"
        started = time.perf_counter()
        read = sum(1 for _row in open_sheet(data, name).rows)
        parse_seconds = time.perf_counter() - started
        probe = FigureProbe(
            [
                ("program", program.pk),
                ("region", program.owner.municipality.province.region_id),
                ("country", 0),
            ]
        )
        writer = None
        if neighbour is not None:
            overlap = range(
                max(program.start_year, neighbour.start_year),
                min(program.end_year, neighbour.end_year) + 1,
            )
            writer = NeighbourProbe(neighbour.pk, user.pk, list(overlap))
        probes = [probe, writer] if writer else [probe]
        for thread in probes:
            thread.start()
        started = time.perf_counter()
        try:
            report = run_import(program, by=user, data=data, file_name=name, dry_run=False)
        finally:
            seconds = time.perf_counter() - started
            for thread in probes:
                thread.stop.set()
                thread.join()
        result[fmt] = {
            "program": program.pk,
            "rows": read,
            "file_bytes": len(data),
            "imported": report.new,
            "ok": report.ok,
            "errors": (report.errors[:3] or report.file_error) if not report.ok else [],
            "seconds": round(seconds, 2),
            "rows_per_s": round(report.new / seconds, 1) if seconds else 0,
            "parse_seconds": round(parse_seconds, 2),
            "parse_rows_per_s": round(read / parse_seconds, 1) if parse_seconds else 0,
            # Pages read while the import's one long transaction is open.
            "figures_during_import": probe.report(),
            # Writes to another program of the same region while the import runs.
            "neighbour_writes_during_import": writer.report() if writer else None,
        }
        log(f"  import {fmt}: {result[fmt]}")
    return result


# --------------------------------------------------------------------------------------
# Report and entry point
# --------------------------------------------------------------------------------------


def environment() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        found = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_wal_size"):
            cursor.execute(f"SHOW {name}")
            found[name] = cursor.fetchone()[0]
    import os
    import platform

    return {
        "postgres": version.split(" on ")[0],
        **found,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # Other work on the machine skews timings: the load average when measuring began.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def table(results: dict) -> str:
    lines = [
        f"Ledger benchmark – size {results['size']} "
        f"({results['counts']['ledger_entries']:,} entries)",
        "",
        f"{'measure':<34}{'median ms':>12}{'p95 ms':>12}{'n':>8}",
    ]
    for label, row in results.get("figures", {}).items():
        flag = "" if row["p95_ms"] <= TARGET_FIGURES_P95_MS else "  > 50 ms target"
        lines.append(
            f"{'figures ' + label:<34}{row['median_ms']:>12.2f}{row['p95_ms']:>12.2f}"
            f"{row['n']:>8}{flag}"
        )
    if "write" in results:
        write = results["write"]
        lines.append(
            f"{'entry write (record_entry)':<34}{write['median_ms']:>12.2f}"
            f"{write['p95_ms']:>12.2f}{write['n']:>8}"
        )
    labels = {
        "single_writer": "1 writer, one program",
        "same_program": "{n} writers, same program",
        "same_region": "{n} writers, {p} programs 1 region",
        "different_regions": "{n} writers, {p} regions",
    }
    for key, label in labels.items() if "locks" in results else ():
        row = results["locks"][key]
        label = label.format(n=row["threads"], p=row["programs"])
        lines.append(
            f"{label:<34}{row.get('median_ms', 0):>12.2f}{row.get('p95_ms', 0):>12.2f}"
            f"{row['writes']:>8}   {row['writes_per_s']} writes/s, "
            f"lock wait {row['lock_wait_ms_per_write']} ms/write"
        )
    imports = results.get("imports", {})
    for fmt in ("csv", "xlsx"):
        if fmt in imports:
            row = imports[fmt]
            label = f"import {fmt.upper()} ({row['rows']:,} rows)"
            lines.append(
                f"{label:<34}{row['rows_per_s']:>12,.0f} rows/s ({row['seconds']} s; "
                f"reading alone {row['parse_rows_per_s']:,.0f} rows/s)"
                + ("" if row["ok"] else f"  FAILED: {row['errors']}")
            )
            neighbour = row.get("neighbour_writes_during_import")
            if neighbour:
                lines.append(
                    f"{'  write in same region meanwhile':<34}{neighbour.get('median_ms', 0):>12.2f}"
                    f"{neighbour.get('p95_ms', 0):>12.2f}{neighbour['attempts']:>8}   "
                    f"{neighbour['lock_timeouts']} gave up after "
                    f"{neighbour['lock_timeout_s']:.0f} s lock wait"
                )
    if "status" in imports:
        lines.append(f"import: {imports['status']}")
    lines.append("")
    lines.append(f"checks: {json.dumps(results['checks'])}")
    return "\n".join(lines)


def run(
    *,
    size: str = "small",
    database_url: str = DEFAULT_DATABASE_URL,
    output: Path | str | None = None,
    seed: int = 1,
    reuse: bool = False,
    measure=MEASUREMENTS,
    log=print,
) -> dict:
    """Generate (unless reusing the same size), check, measure; write and return the results."""
    spec = SIZES[size]
    unknown = set(measure) - set(MEASUREMENTS)
    if unknown:
        raise ValueError(f"Unknown measurements: {', '.join(sorted(unknown))}.")
    config = _database_config(database_url)
    created = ensure_database(database_url)
    log(
        f"Ledger benchmark, size {size}, database {config['NAME']}"
        + (" (created)" if created else "")
    )
    rng = random.Random(seed)
    results = {"size": size, "database": config["NAME"], "seed": seed, "spec": asdict(spec)}
    started = time.perf_counter()
    with using_database(database_url), override_settings(DEBUG=False):
        call_command("migrate", verbosity=0, interactive=False)
        with connection.cursor() as cursor:
            existing = generated(cursor)
        if reuse and existing and existing["size"] == size:
            log(f"Reusing the data generated at {existing['generated_at']} (--reuse).")
            results["generation_seconds"] = existing["phases"]
            results["reused_data_generated_at"] = existing["generated_at"]
        else:
            log("Generating…")
            results["generation_seconds"] = generate(spec, seed=seed, log=log)
        from trama.ledger import ranges

        if ranges.span(ranges.BASES[0]) is None:
            log("Materializing the country's rankings over year ranges…")
            started_ranges = time.perf_counter()
            ranges.materialize()
            results["ranges_seconds"] = round(time.perf_counter() - started_ranges, 1)
            log(f"  ranges: {results['ranges_seconds']} s")
        results["counts"] = counts()
        log(f"  counts: {results['counts']}")
        checks = {}
        if spec.check_rebuild:
            from trama.ledger.rebuild import check_rollups

            report = check_rollups()
            checks["rollups_match_rebuild"] = report.ok
            checks["rollup_rows_checked"] = report.checked
            checks["differences"] = [str(d) for d in report.differences[:10]]
            log(f"  generated roll-ups equal the ORM rebuild: {report.ok} ({report.checked} rows)")
        checks["tax_codes_failing_stdnum"] = check_tax_codes()
        from trama.ledger.figures import Scope, compute_figures

        checks["country_has_data"] = compute_figures(Scope.country()).has_data
        results["environment"] = environment()
        missed = {}
        if "figures" in measure:
            log("Measuring figures…")
            results["figures"] = measure_figures(spec, rng, log)
            missed = {
                k: v for k, v in results["figures"].items() if v["p95_ms"] > TARGET_FIGURES_P95_MS
            }
            results["explain"] = []
            for label in missed:
                level, _sep, years = label.partition(" ")
                year_range = {"year_from": 2016, "year_to": 2019} if years else {}
                scope_id = _scope_ids(rng, level, 1)[0]
                results["explain"].append(
                    {
                        "figures": label,
                        "scope_id": scope_id,
                        "queries": explain_figures(level, scope_id, **year_range),
                    }
                )
        if "writes" in measure:
            log("Measuring entry writes…")
            results["write"] = measure_writes(spec, rng, log)
        if "locks" in measure:
            log("Measuring lock waits…")
            conninfo = _conninfo(config, config["NAME"])
            results["locks"] = measure_lock_waits(spec, rng, conninfo, log)
        if "imports" in measure:
            log("Measuring imports…")
            results["imports"] = measure_imports(spec, rng, log)
        if spec.check_rebuild:
            from trama.ledger.rebuild import check_rollups

            # The measured writes went through services.py: still equal to a rebuild.
            checks["rollups_match_rebuild_after_writes"] = check_rollups().ok
        results["checks"] = checks
        csv_import = results.get("imports", {}).get("csv")
        results["targets"] = {
            "figures_p95_ms": TARGET_FIGURES_P95_MS,
            "figures_met": not missed if "figures" in results else None,
            "csv_rows_per_s": TARGET_CSV_ROWS_PER_S,
            "csv_met": csv_import["rows_per_s"] >= TARGET_CSV_ROWS_PER_S if csv_import else None,
        }
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    output = Path(output) if output else settings.BASE_DIR / "benchmarks" / f"ledger-{size}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log("")
    log(table(results))
    log(f"\nTotal {results['total_seconds']} s; results written to {output}")
    return results
