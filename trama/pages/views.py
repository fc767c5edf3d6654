from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trama.lib.cache import cached_page
from trama.organizations.models import Organization
from trama.territories.models import Municipality

from . import tasks


@cached_page("organizations")
@require_GET
def home(request):
    counts = Organization.objects.aggregate(
        total=Count("id"),
        public=Count("id", filter=Q(kind=Organization.Kind.PUBLIC_BODY)),
        third_sector=Count("id", filter=Q(kind=Organization.Kind.THIRD_SECTOR)),
    )
    return render(request, "pages/home.html", {"counts": counts})


@login_required
@require_GET
def dashboard(request):
    """The personal area: what waits for the person, per organisation, most urgent first."""
    standing = tasks.standing_of(request.user)
    groups = tasks.task_groups(standing)
    return render(
        request,
        "pages/dashboard.html",
        {
            "groups": groups,
            "total": sum(group.count for group in groups),
            "memberships": standing.memberships,
            "queues": tasks.queues(standing),
            "is_public_body": bool(standing.public_body_ids),
        },
    )


@require_GET
def privacy(request):
    return render(request, "pages/privacy.html")


@require_GET
def accessibility(request):
    return render(request, "pages/accessibility.html")


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
