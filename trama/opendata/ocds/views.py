"""The bulk files, downloadable by anyone."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import bulk


@require_GET
def bulk_index(request):
    """The published years and their files' URLs, as JSON."""
    files = [
        {
            "year": year,
            "jsonl": request.build_absolute_uri(reverse("ocds:bulk", args=[year, "jsonl"])),
            "zip": request.build_absolute_uri(reverse("ocds:bulk", args=[year, "zip"])),
        }
        for year in bulk.years()
    ]
    return JsonResponse(
        {
            # In Italian, as the releases are: the open data of Italian administrations.
            "description": (
                "Tutti i rilasci OCDS 1.1 pubblicati su Trama, un file per anno: JSON Lines "
                "(un rilascio per riga) e lo stesso file compresso in zip. Ricostruiti ogni "
                "notte; i pacchetti dell'API (/api/v1/ocds/releases, /api/v1/ocds/records) "
                "sono sempre aggiornati."
            ),
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "files": files,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def bulk_file(request, year: int, fmt: str):
    name = bulk.jsonl_name(year) if fmt == "jsonl" else bulk.zip_name(year)
    if not default_storage.exists(name):
        raise Http404
    content_type = "application/jsonl" if fmt == "jsonl" else "application/zip"
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"ocds-releases-{year}.{fmt}",
        content_type=content_type,
    )
