from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.lib.refusals import attempt, form_page

from . import services
from .access import access_subscription, access_webhooks
from .forms import ConfirmForm, SubscriptionForm
from .models import EventKind

LOG_PAGE_SIZE = 25


@login_required
@require_GET
def subscriptions(request, slug):
    organization = access_webhooks(request.user, slug)
    rows = organization.webhook_subscriptions.order_by("-created_at")
    return render(
        request,
        "webhooks/list.html",
        {"org": organization, "subscriptions": rows, "kinds": EventKind.choices},
    )


@login_required
def create(request, slug):
    organization = access_webhooks(request.user, slug)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = attempt(
            request,
            lambda: services.create_subscription(
                organization,
                by=request.user,
                url=form.cleaned_data["url"],
                kinds=form.cleaned_data["kinds"],
                description=form.cleaned_data["description"],
            ),
            form=form,
        )
        if created:
            # The secret is shown on this answer only: it is in no address and no later page.
            response = render(
                request,
                "webhooks/created.html",
                {"org": organization, "subscription": created.result},
            )
            response["Cache-Control"] = "no-store"
            return response
    if request.method == "POST":
        return form_page(request, "webhooks/form.html", {"org": organization, "form": form})
    return render(request, "webhooks/form.html", {"org": organization, "form": form})


@login_required
@require_GET
def detail(request, slug, pk):
    subscription = access_subscription(request.user, slug, pk)
    deliveries = subscription.deliveries.order_by("-created_at", "-pk")
    page = Paginator(deliveries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        {"org": subscription.organization, "subscription": subscription, "page": page},
    )


@login_required
@require_POST
def ping(request, slug, pk):
    subscription = access_subscription(request.user, slug, pk)
    if ConfirmForm(request.POST).is_valid():
        attempt(
            request,
            lambda: services.send_ping(subscription, by=request.user),
            success=_("Test event sent: its outcome is in the delivery log."),
        )
    return redirect("webhooks:detail", slug=slug, pk=pk)


@login_required
@require_POST
def enable(request, slug, pk):
    subscription = access_subscription(request.user, slug, pk)
    if ConfirmForm(request.POST).is_valid():
        attempt(
            request,
            lambda: services.reenable_subscription(subscription, by=request.user),
            success=_("Webhook enabled again: pending events will be sent."),
        )
    return redirect("webhooks:detail", slug=slug, pk=pk)


@login_required
def delete(request, slug, pk):
    subscription = access_subscription(request.user, slug, pk)
    if (
        request.method == "POST"
        and ConfirmForm(request.POST).is_valid()
        and attempt(
            request,
            lambda: services.delete_subscription(subscription, by=request.user),
            success=_("Webhook deleted."),
        )
    ):
        return redirect("webhooks:list", slug=slug)
    return render(
        request,
        "webhooks/delete.html",
        {"org": subscription.organization, "subscription": subscription},
    )
