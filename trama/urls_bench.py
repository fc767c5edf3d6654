"""The page benchmark's URLconf (scripts/bench_pages.py): the site plus two no-op views.

Selected with ROOT_URLCONF=trama.urls_bench by the benchmark only; never mounted otherwise.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from trama.urls import *  # noqa: F403
from trama.urls import urlpatterns as site


def noop(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench/noop/", noop),
    path("bench/noop-signed-in/", login_required(noop)),
    *site,
]
