"""The page of what is new in the community for the signed-in member."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from trama.community.access import member_of

from .forms import PERIODS, SinceForm
from .news import whats_new as gather


@require_GET
@login_required
def whats_new(request):
    me = member_of(request.user)
    if me is None:
        return render(request, "whatsnew/join_first.html", {"me": None})
    form = SinceForm(request.GET or None)
    period = form.period()
    news = gather(me, form.since(timezone.now()))
    return render(
        request,
        "whatsnew/whats_new.html",
        {
            "me": me,
            "form": form,
            "period": period,
            "nothing": PERIODS[period][2],
            "news": news,
            "sections": [s for s in news.sections if s.items],
        },
    )
