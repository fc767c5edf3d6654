from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import access_notification
from .forms import ActForm, PreferencesForm
from .models import Notification

PAGE_SIZE = 20


@login_required
def inbox(request):
    notifications = Notification.objects.for_user(request.user).only(
        "pk", "kind", "title", "body", "path", "created_at", "read_at"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "has_unread": any(n.read_at is None for n in page) or None},
    )


def _checked(request):
    if not ActForm(request.POST).is_valid():
        raise BadRequest(_("The request is not valid."))


@login_required
@require_POST
def open_notification(request, pk):
    notification = access_notification(request.user, pk)
    _checked(request)
    services.mark_read(notification, by=request.user)
    path = notification.path
    if path and url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}):
        return redirect(path)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request, pk):
    notification = access_notification(request.user, pk)
    _checked(request)
    services.mark_read(notification, by=request.user)
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request):
    _checked(request)
    count = services.mark_all_read(by=request.user)
    if count:
        messages.success(request, _("Every notification is marked as read."))
    return redirect("notifications:inbox")


def _back(request) -> str:
    page = request.POST.get("page", "")
    base = reverse("notifications:inbox")
    return f"{base}?page={page}" if page.isdigit() else base


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(by=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
