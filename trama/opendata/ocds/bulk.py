"""Bulk files: every release of a year, one per line (JSON Lines), and the same in a zip.

Built in streaming fashion: procedures are read a batch at a time and each release is
written at once to its year's file on disk, so memory stays bounded by one batch whatever
the number of procedures. The finished files replace the published ones in the project's
storage (`opendata/ocds/`), from where a public URL serves them.
"""

import datetime
import os
import tempfile
import zipfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from . import packages

FOLDER = "opendata/ocds"
BATCH = 200


def jsonl_name(year: int) -> str:
    return f"{FOLDER}/releases-{year}.jsonl"


def zip_name(year: int) -> str:
    return f"{FOLDER}/releases-{year}.zip"


def years() -> list[int]:
    """The years whose bulk files are published, newest first."""
    if not default_storage.exists(FOLDER):
        return []
    _folders, files = default_storage.listdir(FOLDER)
    found = set()
    for name in files:
        stem, _dot, ext = name.rpartition(".")
        if ext == "jsonl" and stem.startswith("releases-") and stem[9:].isdigit():
            found.add(int(stem[9:]))
    return sorted(found, reverse=True)


def rebuild() -> dict[int, int]:
    """Write every year's files anew; returns {year: releases}. Years left empty are removed."""
    counts: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="trama-ocds-") as scratch:
        handles = {}
        try:
            last = 0
            while True:
                batch = list(packages.published().filter(pk__gt=last).order_by("pk")[:BATCH])
                if not batch:
                    break
                last = batch[-1].pk
                ids = [p.pk for p in batch]
                chosen = packages.published().filter(pk__in=ids).order_by("pk")
                for _procedure, releases in packages.releases_of(chosen):
                    for release in releases:
                        year = datetime.date.fromisoformat(release["date"][:10]).year
                        if year not in handles:
                            path = Path(scratch) / f"releases-{year}.jsonl"
                            handles[year] = path.open("w", encoding="utf-8")
                        handles[year].write(packages.dumps(release) + "\n")
                        counts[year] = counts.get(year, 0) + 1
        finally:
            for handle in handles.values():
                handle.close()
        for year in counts:
            source = Path(scratch) / f"releases-{year}.jsonl"
            packed = Path(scratch) / f"releases-{year}.zip"
            with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(source, arcname=source.name)
            _publish(source, jsonl_name(year))
            _publish(packed, zip_name(year))
    for year in set(years()) - set(counts):
        for name in (jsonl_name(year), zip_name(year)):
            if default_storage.exists(name):
                default_storage.delete(name)
    return counts


def _publish(path: Path, name: str) -> None:
    # The storage keeps the name it is given only if it is free: the old file goes first.
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as handle:
        saved = default_storage.save(name, File(handle, name=os.path.basename(name)))
    if saved != name:  # another writer took the name between the delete and the save
        raise RuntimeError(f"{name} was saved as {saved}")
