"""The ledger benchmark's data: a synthetic national data set generated with set-based SQL.

Organisations, programs, procedures, ledger entries, verification and funder events are
inserted with INSERT … SELECT generate_series, deterministic for a seed; the roll-ups
(LedgerTotal, ContributorTotal) are built with set-based SQL that applies the rules of
`rollups.add` and `state.measure_for`.
"""

import json
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from trama.benchmarks.database import Timer, empty_database
from trama.ledger.measure import measure_sql
from trama.ledger.vocabulary import additional_sources_sql
from trama.organizations.models import Organization
from trama.organizations.validators import validate_tax_code
from trama.territories.services import load_territories


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

# the same transaction (bulk index builds and one validation query per key are far faster
# than row-by-row maintenance and 60 million deferred foreign-key checks).
BULK_TABLES = [
    "ledger_ledgerentry",
    "ledger_verification",
    "ledger_funderconfirmation",
    "ledger_ledgertotal",
    "ledger_contributortotal",
]
ADDITIONAL = additional_sources_sql()


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

# --- Roll-ups, set-based: the same rules as rollups.add ----------------------------------
#
# The measure is the ledger's own rule (`trama.ledger.measure.measure_sql`), applied to the
# ORIGINAL entry's latest events: a reversal counts wherever the entry it cancels counts,
# with a negative amount.
ROLLUP_FINE = (
    """
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
       e.funder_id,
       """
    + measure_sql()  # the ledger's one rule, over e (the entry), v and c (its latest events)
    + """ AS measure,
       sum(CASE WHEN e.reverses_id IS NULL THEN e.amount ELSE -e.amount END) AS amount,
       count(*) AS entries
FROM ledger_ledgerentry e
LEFT JOIN bench_latest_verification v ON v.entry_id = coalesce(e.reverses_id, e.id)
LEFT JOIN bench_latest_confirmation c ON c.entry_id = coalesce(e.reverses_id, e.id)
{where}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
ANALYZE bench_fine;
"""
)

# LedgerTotal: program, owner, province, region, procedure and funder (when set) and
# contributor.
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
    "funder": "f.funder_id",
    "contributor": "f.contributor_id",
}

# ContributorTotal: program, owner, province, region, procedure and funder (when set) and the country
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
    "funder": "f.funder_id",
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


def build_rollups(cursor, *, where: str = "") -> None:
    """Add the roll-up rows of the entries matching `where` (all by default), set-based."""
    _execute(cursor, _sql(ROLLUP_FINE, where=where))
    for level, scope in TOTAL_SCOPES.items():
        cursor.execute(_sql(LEDGER_TOTAL, level=level, scope=scope))
    for level, scope in CONTRIBUTOR_SCOPES.items():
        cursor.execute(_sql(CONTRIBUTOR_TOTAL, level=level, scope=scope))


def generate(size: Size, *, seed: int, log) -> dict:
    """Fill the (emptied) benchmark database; returns the timings of each phase."""
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
            empty_database(cursor)
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
    failures = 0
    for code in Organization.objects.order_by("?").values_list("tax_code", flat=True)[:sample]:
        try:
            validate_tax_code(code)
        except Exception:  # noqa: BLE001
            failures += 1
    return failures
