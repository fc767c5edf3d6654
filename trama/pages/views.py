from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from ninja.throttling import SimpleRateThrottle

from trama.accounts.models import ApiToken
from trama.ledger.figures import Scope, headline_figures
from trama.lib.cache import cached_page
from trama.lib.cache import versions as cache_versions
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.procedures.moments import next_public_moment
from trama.territories.models import Municipality

from . import tasks

HOME_CALLS = 3


@cached_page("organizations", "procedures", "ledger", "programs", until=next_public_moment)
@require_GET
def home(request):
    """What Trama holds today: open calls, what partners add to public money, who is on it."""
    counts = Organization.objects.aggregate(
        total=Count("id"),
        public=Count("id", filter=Q(kind=Organization.Kind.PUBLIC_BODY)),
        third_sector=Count("id", filter=Q(kind=Organization.Kind.THIRD_SECTOR)),
    )
    open_calls = Procedure.objects.open_calls().select_related("owner").order_by("deadline", "pk")
    shown = list(open_calls[: HOME_CALLS + 1])
    return render(
        request,
        "pages/home.html",
        {
            "counts": counts,
            "open_calls": shown[:HOME_CALLS],
            "open_count": open_calls.count() if len(shown) > HOME_CALLS else len(shown),
            "figures": headline_figures(Scope.country()),
        },
    )


@login_required
@require_GET
def dashboard(request):
    """The personal area: what waits for the person, per organisation, most urgent first."""
    # The list is kept for the person under the versions of what it reads: any write there
    # (an act done, a new entry, a question) renews it, and time alone only after a minute
    # (the "due soon" marks; the time left is worked out when the page is shown).
    key = f"trama:tasks:{request.user.pk}:{get_language()}:{cache_versions(tasks.SCOPES)}"
    context = cache.get(key)
    if context is None:
        standing = tasks.standing_of(request.user)
        groups = tasks.task_groups(standing)
        context = {
            "groups": groups,
            "total": sum(group.count for group in groups),
            "memberships": standing.memberships,
            "queues": tasks.queues(standing),
            "is_public_body": bool(standing.public_body_ids),
        }
        cache.set(key, context, tasks.KEPT_SECONDS)
    return render(request, "pages/dashboard.html", context)


@require_GET
def privacy(request):
    return render(request, "pages/privacy.html")


@require_GET
def accessibility(request):
    return render(request, "pages/accessibility.html")


def _rate(rate: str) -> str:
    """A throttle rate ("600/m") read out: "600 requests a minute"."""
    count, seconds = SimpleRateThrottle(rate).parse_rate(rate)
    periods = {1: _("a second"), 60: _("a minute"), 3600: _("an hour"), 86400: _("a day")}
    period = periods.get(seconds) or ngettext(
        "every %(n)s second", "every %(n)s seconds", seconds
    ) % {"n": seconds}
    return ngettext("%(count)s request %(period)s", "%(count)s requests %(period)s", count) % {
        "count": count,
        "period": period,
    }


@require_GET
def developers(request):
    """How to use the API: public reads, personal tokens and their scopes, limits."""
    return render(
        request,
        "pages/developers.html",
        {
            "read": ApiToken.Scope.READ,
            "write": ApiToken.Scope.WRITE,
            "token_rate": _rate(settings.API_THROTTLE_RATES["token"]),
            "anon_rate": _rate(settings.API_THROTTLE_RATES["anon"]),
            "api_root": request.build_absolute_uri("/api/v1/"),
        },
    )


@require_GET
def municipality_suggestions(request):
    """Up to 15 municipalities whose name starts with the typed text, as <option>s."""
    text = (
        request.GET.get("municipality")
        or request.GET.get("lead_municipality")
        or request.GET.get("q")
        or ""
    )[:60]
    found = (
        Municipality.objects.search(text).select_related("province")[:15]
        if len(text.strip()) >= 2
        else []
    )
    return render(request, "pages/municipality_options.html", {"municipalities": found})
