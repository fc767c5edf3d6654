"""The figures of a scope as a page shows them: bars, tables and drill-down links.

`program_figures` is what a program's dashboard (`trama.programs.views`) shows of the ledger:
the one entry point through which that page, in the app below, reads the ledger.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from trama.lib.cache import versions as cache_versions

from .figures import Basis, Scope, compute_figures
from .forms import ADDITIONAL, EntryFilterForm, FiguresForm
from .models import Category, Kind, Level, Source


def bar_width(amount, largest) -> str:
    """A bar's width as a CSS percentage, never localised (a comma would break the CSS)."""
    if not largest or amount <= 0:
        return "0"
    return f"{amount * 100 / largest:.2f}"


class Links:
    """Drill-down links from a figure to the entries it is made of, or none at all."""

    def __init__(self, url: str | None, basis: str, year_from=None, year_to=None, **fixed):
        self.url = url
        self.base = (
            {"kind": Kind.PLEDGE}
            if basis == Basis.PLEDGED
            else {"kind": Kind.ACTUAL, "measure": EntryFilterForm.ACCEPTED}
        )
        self.years = {"year_from": year_from, "year_to": year_to}
        self.fixed = fixed

    def __call__(self, base=True, **params) -> str | None:
        if not self.url:
            return None
        query = {**(self.base if base else {}), **self.years, **self.fixed, **params}
        return f"{self.url}?{urlencode({k: v for k, v in query.items() if v})}"

    def measure(self, measure: str) -> str | None:
        return self(base=False, kind=Kind.ACTUAL, measure=measure)


def charts(figures, links: Links) -> dict:
    """The figures as rows for the bars and the tables beside them, each with its link."""
    years = []
    largest = max((p + o + a for _y, p, o, a in figures.by_year), default=Decimal(0))
    for year, public, other, additional in figures.by_year:
        years.append(
            {
                "year": year,
                "public": public,
                "other": other,
                "additional": additional,
                "total": public + other + additional,
                "w_public": bar_width(public, largest),
                "w_other": bar_width(other, largest),
                "w_additional": bar_width(additional, largest),
                "url": links(year=year),
                "url_public": links(year=year, source=Source.PUBLIC_OWNER),
                "url_other": links(year=year, source=Source.OTHER_PUBLIC),
                "url_additional": links(year=year, source=ADDITIONAL),
            }
        )
    largest = max(figures.by_source.values(), default=Decimal(0))
    sources = [
        {
            "code": code,
            "label": Source(code).label,
            "group": "public"
            if code == Source.PUBLIC_OWNER
            else "other"
            if code == Source.OTHER_PUBLIC
            else "additional",
            "amount": amount,
            "width": bar_width(amount, largest),
            "url": links(source=code),
        }
        for code, amount in figures.by_source.items()
    ]
    largest = max(figures.by_category.values(), default=Decimal(0))
    categories = [
        {
            "label": Category(code).label,
            "amount": amount,
            "width": bar_width(amount, largest),
            "url": links(source=ADDITIONAL, category=code),
        }
        for code, amount in figures.by_category.items()
    ]
    largest = max((amount for _org, amount in figures.by_contributor), default=Decimal(0))
    contributors = [
        {
            "org": org,
            "amount": amount,
            "width": bar_width(amount, largest),
            "url": links(source=ADDITIONAL, contributor=org.pk),
        }
        for org, amount in figures.by_contributor
    ]
    return {
        "years": years,
        "sources": sources,
        "categories": categories,
        "contributors": contributors,
        "url_public": links(source=Source.PUBLIC_OWNER),
        "url_other": links(source=Source.OTHER_PUBLIC),
        "url_additional": links(source=ADDITIONAL),
        "url_pledged": links(base=False, kind=Kind.PLEDGE),
        "url_accepted": links.measure(EntryFilterForm.ACCEPTED),
        "url_pending": links.measure(EntryFilterForm.PENDING),
        "url_rejected": links.measure(EntryFilterForm.REJECTED),
        "url_disputed": links.measure(EntryFilterForm.DISPUTED),
    }


def _narrowing(year_from, year_to, program) -> tuple:
    """The year range as entry-list filters: within the program's years, or left out."""
    start = min(year_from, program.end_year) if year_from else None
    end = max(year_to, program.start_year) if year_to else None
    return (
        start if start and start > program.start_year else None,
        end if end and end < program.end_year else None,
    )


def program_figures(request, program) -> dict:
    """The dashboard's figures of a program: the basis and years form, charts and exports."""
    form = FiguresForm(request.GET or None, years=program.years)
    if form.refused:
        # The years asked can't be shown: the form says why, and no other years are shown.
        return {"form": form, "figures": None, "status": 400}
    basis, year_from, year_to = form.values()
    # Computed only if the template renders the figures (not when its fragment is cached).
    figures = SimpleLazyObject(
        lambda: compute_figures(
            Scope(Level.PROGRAM, program.pk), basis=basis, year_from=year_from, year_to=year_to
        )
    )
    links = Links(
        reverse("ledger:entries", args=[program.slug]),
        basis,
        *_narrowing(year_from, year_to, program),
    )
    figures_query = urlencode(
        {
            key: value
            for key, value in {
                "view": "figures",
                "basis": "pledged" if basis == Basis.PLEDGED else "accepted",
                "year_from": year_from,
                "year_to": year_to,
            }.items()
            if value
        }
    )
    export = "ledger:entries_export"
    return {
        "form": form,
        "figures": figures,
        "export_csv": f"{reverse(export, args=[program.slug, 'csv'])}?{figures_query}",
        "export_xlsx": f"{reverse(export, args=[program.slug, 'xlsx'])}?{figures_query}",
        "charts": SimpleLazyObject(lambda: charts(figures, links)),
        # The figures fragment is the same for everyone who sees the program.
        "figures_version": cache_versions(("ledger", "organizations", "procedures", "programs")),
        "status": 200,
    }
