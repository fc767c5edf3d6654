from urllib.parse import urlencode

from django.core.paginator import Page
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import index
from .forms import SearchForm
from .providers import PROVIDERS

PER_PAGE = 20


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 10_000))
    except ValueError:
        return 1


@require_GET
def search(request):
    """Search across calls, bodies, members, practices, the library, discussions and
    events: what the person may see, best first, the matched words highlighted."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "query": "", "found": [], "counts": {}, "page": None}
    if not form.is_bound or not form.is_valid() or not form.cleaned_data["q"]:
        status = 400 if form.is_bound and form.errors else 200
        return render(request, "search/search.html", context, status=status)
    text, kind = form.cleaned_data["q"], form.cleaned_data["tipo"]
    results = index.search(text, request.user, kind, _page_number(request), PER_PAGE)
    counts, found = results.counts, results.found
    context.update(
        query=urlencode({"q": text, **({"tipo": kind} if kind else {})}),
        text=text,
        kind=kind,
        found=found,
        total=results.total,
        page=Page(found, results.number, results.paginator),
        facets=[
            (k, str(p.label), counts.get(k, 0), urlencode({"q": text, "tipo": k}))
            for k, p in PROVIDERS.items()
        ],
        everything=urlencode({"q": text}),
    )
    return render(request, "search/search.html", context)
