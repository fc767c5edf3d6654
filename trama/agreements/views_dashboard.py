"""The agreement's dashboard for its parties and officers, and its public page.

The dashboard shows everything the parties may read (reports awaiting verification
included); once every party has signed, anyone else who opens it is sent to the public
page, which shows accepted reports only and never a count of people below the minimum.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trama.lib.cache import cached_page

from . import figures
from .access import access_agreement
from .charts import dashboard_charts, public_charts


@require_GET
def dashboard(request, pk):
    access = access_agreement(request.user, pk)
    if not access.reads_contents:
        # Signed (else access_agreement answered 404): what they may see is the public page.
        return redirect("agreements:public", pk=access.agreement.pk)
    data = figures.dashboard(access.agreement)
    return render(
        request,
        "agreements/dashboard.html",
        {
            "access": access,
            "agreement": access.agreement,
            "procedure": access.procedure,
            "data": data,
            "charts": dashboard_charts(data),
        },
    )


@require_GET
@cached_page(figures.CACHE_SCOPE, "ledger", "organizations", "procedures")
def public(request, pk):
    access = access_agreement(request.user, pk)
    if access.agreement.signed_at is None:
        raise Http404(_("The agreement is public once every party has signed it."))
    data = figures.public(access.agreement)
    return render(
        request,
        "agreements/public.html",
        {
            "access": access,
            "agreement": access.agreement,
            "procedure": access.procedure,
            "data": data,
            "charts": public_charts(data),
        },
    )
