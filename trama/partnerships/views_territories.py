"""Territory pages: the chooser with the map, a territory's timeline, comparisons; exports."""

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trama.ledger.charts import bar_width
from trama.ledger.exports import csv_stream, xlsx_file
from trama.ledger.figures import ZERO, Basis
from trama.ledger.forms import FiguresForm
from trama.ledger.models import Category, Source
from trama.lib.numbers import format_number
from trama.organizations.models import Organization
from trama.programs.models import Program
from trama.territories.models import Municipality, Province, Region

from . import territory as territories
from .forms import CompareForm

MAP_FILE = Path(__file__).parent / "data" / "italy-regions.json"
# Shades of the map, lightest to darkest, and the leverage (%) each one starts from.
SHADES = [(0, "shade-1"), (5, "shade-2"), (10, "shade-3"), (20, "shade-4"), (30, "shade-5")]


@cache
def _map():
    return json.loads(MAP_FILE.read_text())


def _shade(leverage):
    if leverage is None:
        return "shade-none"
    name = SHADES[0][1]
    for start, shade in SHADES:
        if leverage >= start:
            name = shade
    return name


def _search(text: str) -> list[dict]:
    """Territories whose name starts with the text (regions, provinces, municipalities) or
    holds it (ambiti, programs)."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    found = [
        {"key": f"region:{r.istat_code}", "name": r.name, "kind": territories.KINDS["region"]}
        for r in Region.objects.filter(name__istartswith=text)[:5]
    ]
    found += [
        {"key": f"province:{p.istat_code}", "name": str(p), "kind": territories.KINDS["province"]}
        for p in Province.objects.filter(name__istartswith=text)[:5]
    ]
    found += [
        {"key": f"ambito:{a.slug}", "name": a.name, "kind": territories.KINDS["ambito"]}
        for a in Organization.objects.filter(
            public_body_type=Organization.PublicBodyType.AMBITO, name__icontains=text
        )[:5]
    ]
    found += [
        {"key": f"program:{p.slug}", "name": p.title, "kind": territories.KINDS["program"]}
        for p in Program.objects.filter(title__icontains=text).order_by("title")[:5]
    ]
    found += [
        {
            "key": f"municipality:{m.istat_code}",
            "name": str(m),
            "kind": territories.KINDS["municipality"],
        }
        for m in Municipality.objects.select_related("province").filter(name__istartswith=text)[:10]
    ]
    return found


@require_GET
def territory_index(request):
    basis = Basis.PLEDGED if request.GET.get("basis") == "pledged" else Basis.ACCEPTED
    leverage = territories.region_leverage(basis)
    names = dict(Region.objects.values_list("istat_code", "name"))
    shapes = [
        {
            "code": region["istat_code"],
            "name": names.get(region["istat_code"], region["istat_code"]),
            "path": region["path"],
            "leverage": leverage.get(region["istat_code"]),
            "shade": _shade(leverage.get(region["istat_code"])),
        }
        for region in _map()["regions"]
    ]
    shapes.sort(key=lambda s: s["name"])
    query = request.GET.get("q", "")
    return render(
        request,
        "partnerships/territory_index.html",
        {
            "shapes": shapes,
            "view_box": _map()["viewBox"],
            "map_source": _map()["source"],
            "basis": basis,
            "basis_label": Basis.LABELS[basis],
            "query": query,
            "results": _search(query),
            "shades": SHADES,
        },
    )


def _refused(request, template, error: ValidationError, context=None):
    return render(
        request,
        template,
        {"refusal": error.messages, **(context or {})},
        status=404 if getattr(error, "code", "") == "unknown_territory" else 400,
    )


@require_GET
def territory_timeline(request, key):
    form = FiguresForm(request.GET or None)
    basis = form.values()[0] if not form.refused else Basis.ACCEPTED
    try:
        territory = territories.resolve(key)
    except ValidationError as error:
        return _refused(request, "partnerships/territory_timeline.html", error)
    if request.GET.get("formato") == "csv":
        return _timeline_csv(territory, basis)
    story = territories.timeline(territory, basis=basis, page=_page_number(request))
    largest = max((y.additional for y in story.years), default=0)
    largest_network = max((y.network for y in story.years), default=0)
    for year in story.years:
        year.w_additional = bar_width(year.additional, largest)
        year.w_network = bar_width(year.network, largest_network)
    return render(
        request,
        "partnerships/territory_timeline.html",
        {
            "territory": territory,
            "story": story,
            "page": Page(
                story.steps, story.page, Paginator(range(story.total), territories.PER_PAGE)
            ),
            "query": urlencode({"basis": _basis_word(basis)}) if basis == Basis.PLEDGED else "",
            "basis_label": Basis.LABELS[basis],
            "basis": basis,
            "csv_url": f"?{urlencode({'formato': 'csv', 'basis': _basis_word(basis)})}",
            "compare_url": f"{_compare_path()}?{urlencode({'t': key})}",
        },
    )


def _basis_word(basis):
    return "pledged" if basis == Basis.PLEDGED else "accepted"


def _compare_path():
    return reverse("partnerships:compare")


def _csv_response(filename: str, header, rows) -> StreamingHttpResponse:
    """UTF-8 CSV with `;` and a decimal comma, text neutralised against formulas (the
    ledger's own writer)."""
    response = StreamingHttpResponse(
        csv_stream(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page_number(request) -> int:
    """The page asked for; anything that is not a page number is the first."""
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def _timeline_csv(territory, basis) -> StreamingHttpResponse:
    header = [
        _("Date"),
        _("Step"),
        _("Title"),
        _("Network (bodies)"),
        _("Public resources, cumulative (€)"),
        _("Additional resources, cumulative (€)"),
        _("Leverage (%)"),
        _("Basis"),
    ]
    basis_label = Basis.LABELS[basis]
    steps = (
        [
            step.day.isoformat(),
            step.label,
            step.title,
            step.network,
            step.public if step.has_data else _("no data"),
            step.additional if step.has_data else _("no data"),
            step.leverage if step.leverage is not None else _("no data"),
            basis_label,
        ]
        for step in territories.every_step(territory, basis=basis)
    )
    return _csv_response(f"{slugify(territory.name)}-timeline.csv", header, steps)


def _table(results, basis) -> list[list]:
    """The comparison as rows of cells: the same for the page, CSV and XLSX. A figure of a
    territory with nothing recorded is None ("no data"), never a zero."""

    def money(result, value):
        return value if result.figures.has_data else None

    rows = [[_("Figure"), *[f"{r.territory.name} — {r.territory.kind_label}" for r in results]]]
    rows.append([_("Kind"), *[str(r.territory.kind_label) for r in results]])
    rows.append([_("Basis"), *[str(Basis.LABELS[basis]) for _r in results]])
    rows.append([_("Public resources (€)"), *[money(r, r.figures.public) for r in results]])
    rows.append([_("Other public funds (€)"), *[money(r, r.figures.other_public) for r in results]])
    rows.append([_("Additional resources (€)"), *[money(r, r.figures.additional) for r in results]])
    for code in (Source.FOUNDATION_GRANT, Source.OWN_RESOURCES, Source.PRIVATE_DONATIONS):
        rows.append(
            [
                f"— {Source(code).label} (€)",
                *[money(r, r.figures.by_source.get(code, ZERO)) for r in results],
            ]
        )
    for code in Category.values:
        rows.append(
            [
                f"— {Category(code).label} (€)",
                *[money(r, r.figures.by_category.get(code, ZERO)) for r in results],
            ]
        )
    rows.append([_("Leverage (%)"), *[r.figures.leverage for r in results]])
    rows.append([_("Multiplier"), *[r.figures.multiplier for r in results]])
    rows.append([_("Residents"), *[r.territory.population for r in results]])
    rows.append(
        [_("Public resources per inhabitant (€)"), *[r.public_per_inhabitant for r in results]]
    )
    rows.append(
        [
            _("Additional resources per inhabitant (€)"),
            *[r.additional_per_inhabitant for r in results],
        ]
    )
    rows.append([_("Calls"), *[r.calls for r in results]])
    rows.append([_("Agreements signed"), *[r.agreements for r in results]])
    rows.append([_("Partner bodies"), *[r.partners for r in results]])
    rows.append(
        [_("Third-Sector bodies new to the network (%)"), *[r.newcomer_share for r in results]]
    )
    return rows


@require_GET
def territory_compare(request):
    form = CompareForm(request.GET or None)
    basis, year_from, year_to = form.values() if not form.refused else (Basis.ACCEPTED, None, None)
    query = request.GET.get("q", "")
    context = {
        "form": form,
        "basis": basis,
        "results": None,
        "query": query,
        "found": _search(query),
        "max_compared": territories.MAX_COMPARED,
    }
    # Each key alone: one that names nothing (a stale shared link) is left out and said so,
    # the others stay chosen.
    chosen, unknown = [], []
    for key in dict.fromkeys(territories.normal_key(k) for k in form.keys if k.strip()):
        try:
            chosen.append(territories.resolve(key))
        except ValidationError:
            unknown.append(key)
    keys = [t.key for t in chosen]
    context |= {"chosen": chosen, "unknown": unknown, "keys": keys}
    if unknown and not chosen:
        return render(request, "partnerships/territory_compare.html", context, status=404)
    if form.refused:
        return render(request, "partnerships/territory_compare.html", context, status=400)
    try:
        results = territories.compare(
            territories.resolve_many(keys), basis=basis, year_from=year_from, year_to=year_to
        )
    except ValidationError as error:
        context["hint"] = error.messages
        return render(request, "partnerships/territory_compare.html", context)
    table = _table(results, basis)
    export = request.GET.get("formato")
    if export in ("csv", "xlsx"):
        # Where a territory has no figure the file says so, not an empty cell or a zero.
        rows = [[_("no data") if cell is None else cell for cell in row] for row in table]
        if export == "csv":
            return _csv_response("confronto-territori.csv", rows[0], rows[1:])
        return _xlsx_response(rows)
    years = sorted({y for r in results for y, *_rest in r.figures.by_year})
    largest = max((r.figures.additional for r in results), default=0)
    largest_public = max((r.figures.public for r in results), default=0)
    for r in results:
        r.w_additional = bar_width(r.figures.additional, largest)
        r.w_public = bar_width(r.figures.public, largest_public)
        by_year = {y: (p, o, a) for y, p, o, a in r.figures.by_year}
        r.years = [(y, *by_year.get(y, (None, None, None))) for y in years]
    params = [("t", k) for k in keys]
    if basis == Basis.PLEDGED:
        params.append(("basis", "pledged"))
    for name, value in (("year_from", year_from), ("year_to", year_to)):
        if value:
            params.append((name, value))
    context |= {
        "results": results,
        "table": [[_display(cell) for cell in row] for row in table],
        "years": years,
        "basis_label": Basis.LABELS[basis],
        "share_url": request.build_absolute_uri(f"?{urlencode(params)}"),
        "csv_url": f"?{urlencode([*params, ('formato', 'csv')])}",
        "xlsx_url": f"?{urlencode([*params, ('formato', 'xlsx')])}",
    }
    return render(request, "partnerships/territory_compare.html", context)


def _xlsx_response(table) -> FileResponse:
    money = set(range(1, len(table[0])))
    out = xlsx_file(table[0], table[1:], title=_("Comparison"), money=money)
    return FileResponse(out, as_attachment=True, filename="confronto-territori.xlsx")


def _display(cell):
    """A comparison cell as the page shows it: money with two decimals, counts as they are,
    None (no data) left for the template to say so."""
    if isinstance(cell, Decimal):
        return format_number(cell, 2)
    if isinstance(cell, int):
        return format_number(Decimal(cell), 0)
    return cell
