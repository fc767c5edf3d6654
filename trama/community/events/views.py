"""Pages of community events: the list, an event with its sessions, registering, the
organisers' page of a session, one's own registrations and calendar, following."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.lib.refusals import attempt, form_page
from trama.organizations.models import Organization
from trama.procedures.models import Procedure

from . import services
from .access import access_event, access_session, can_organize, is_invited, session_views
from .forms import ActForm, AttendanceForm, InviteForm, MaterialForm
from .ical import feed_ics
from .models import CalendarFeed, Event, Follow, Material, Registration

PAGE_SIZE = 20


@require_GET
def events(request):
    past = request.GET.get("quando") == "passati"
    now = timezone.now()
    qs = Event.objects.listed().for_list()
    qs = qs.past(now) if past else qs.upcoming(now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/events.html",
        {
            "page": page,
            "past": past,
            "query": "quando=passati" if past else "",
            "organizes": can_organize(request.user),
        },
    )


@require_GET
def event(request, pk):
    event = access_event(pk)
    # The counts GROUP BY, and Django leaves a model's Meta.ordering out of such a query: the
    # order is said here.
    sessions = (
        event.sessions.annotate(
            taken=Count("registrations", filter=Q(registrations__status="CONFIRMED")),
            waiting_count=Count("registrations", filter=Q(registrations__status="WAITING")),
        )
        .prefetch_related("materials")
        .order_by("starts_at", "pk")
    )
    views = session_views(request.user, event, sessions)
    for view in views:
        # The page shows each day once, then the sessions of that day.
        view.day = timezone.localtime(view.session.starts_at).date()
        if view.waiting:
            view.position = services.waiting_position(view.registration)
    return render(
        request,
        "events/event.html",
        {
            "event": event,
            "views": views,
            "now": timezone.now(),
            "organizer": can_organize(request.user, event.organizer),
            "form": ActForm(),
        },
    )


@login_required
@require_POST
def register(request, pk):
    session = access_session(pk)
    form = ActForm(request.POST)
    if form.is_valid():
        done = attempt(request, lambda: services.register(session, by=request.user))
        if done:
            if done.result.status == Registration.Status.WAITING:
                messages.info(
                    request,
                    _("The session is full: you are number %(n)d on the waiting list.")
                    % {"n": services.waiting_position(done.result)},
                )
            else:
                messages.success(
                    request, _("You are registered. A confirmation e-mail is on its way.")
                )
    return redirect(session.get_absolute_url())


@login_required
@require_POST
def cancel(request, pk):
    session = access_session(pk)
    if ActForm(request.POST).is_valid() and attempt(
        request,
        lambda: services.cancel_registration(session, by=request.user),
        success=_("Your registration is cancelled."),
    ):
        pass
    return redirect(session.get_absolute_url())


def _organized_session(request, pk):
    session = access_session(pk)
    if not can_organize(request.user, session.event.organizer):
        raise Http404(_("No such session."))
    return session


@login_required
def organize(request, pk):
    session = _organized_session(request, pk)
    registrations = list(
        Registration.objects.active()
        .filter(session=session)
        .select_related("user")
        .order_by("status", "queued_at", "pk")
    )
    confirmed = [r for r in registrations if r.status == Registration.Status.CONFIRMED]
    invite_form = InviteForm(prefix="invite")
    material_form = MaterialForm(prefix="material")
    attendance_form = AttendanceForm(
        prefix="attendance",
        registrations=confirmed,
        initial={"present": [r.user_id for r in confirmed if r.attended]},
    )
    status = 200
    if request.method == "POST":
        act = request.POST.get("act")
        if act == "invite":
            invite_form = InviteForm(request.POST, prefix="invite")
            if invite_form.is_valid() and attempt(
                request,
                lambda: services.invite(session, by=request.user, **invite_form.cleaned_data),
                form=invite_form,
                success=_("Invitation recorded."),
            ):
                return redirect("events:organize", pk=session.pk)
        elif act == "material":
            material_form = MaterialForm(request.POST, request.FILES, prefix="material")
            if material_form.is_valid() and attempt(
                request,
                lambda: services.add_material(
                    session,
                    by=request.user,
                    title=material_form.cleaned_data["title"],
                    kind=material_form.cleaned_data["kind"],
                    upload=material_form.cleaned_data["file"],
                ),
                form=material_form,
                success=_("File added to the session."),
            ):
                return redirect("events:organize", pk=session.pk)
        elif act == "attendance":
            attendance_form = AttendanceForm(
                request.POST, prefix="attendance", registrations=confirmed
            )
            if attendance_form.is_valid() and attempt(
                request,
                lambda: services.record_attendance(
                    session,
                    by=request.user,
                    present_user_ids=attendance_form.cleaned_data["present"],
                ),
                form=attendance_form,
                success=_("Attendance recorded."),
            ):
                return redirect("events:organize", pk=session.pk)
        elif act == "remove":
            registration = get_object_or_404(
                Registration, pk=request.POST.get("registration") or 0, session=session
            )
            attempt(
                request,
                lambda: services.remove_registration(registration, by=request.user),
                success=_("Registration removed; the waiting list moved up."),
            )
            return redirect("events:organize", pk=session.pk)
        status = 400
    context = {
        "session": session,
        "event": session.event,
        "registrations": registrations,
        "invitations": session.invitations.select_related("member", "organization"),
        "materials": session.materials.all(),
        "invite_form": invite_form,
        "material_form": material_form,
        "attendance_form": attendance_form,
        "started": session.has_started(),
    }
    if status == 400:
        return form_page(request, "events/organize.html", context)
    return render(request, "events/organize.html", context)


@require_GET
def material(request, pk):
    item = Material.objects.select_related("session__event__organizer").filter(pk=pk).first()
    if item is None:
        raise Http404(_("No such file."))
    session = item.session
    if not (
        is_invited(request.user, session) or can_organize(request.user, session.event.organizer)
    ):
        raise Http404(_("No such file."))
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.file.name.rsplit("/", 1)[-1]
    )
    if session.is_restricted:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
def mine(request):
    registrations = (
        Registration.objects.active()
        .filter(user=request.user)
        .select_related("session__event")
        .order_by("-session__starts_at")
    )
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    follows = Follow.objects.filter(user=request.user).select_related("procedure", "organization")
    feed = services.calendar_feed(request.user)
    return render(
        request,
        "events/mine.html",
        {
            "page": page,
            "follows": follows,
            "feed_url": request.build_absolute_uri(feed.get_absolute_url()),
            "form": ActForm(),
        },
    )


@login_required
@require_POST
def regenerate(request):
    if ActForm(request.POST).is_valid():
        services.regenerate_feed(by=request.user)
        messages.success(
            request, _("A new calendar address is ready; the old one no longer works.")
        )
    return redirect("events:mine")


@require_GET
def feed(request, token):
    row = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if row is None or not row.user.is_active:
        raise Http404(_("No such calendar."))
    sessions, procedures = services.feed_contents(row.user)
    response = HttpResponse(
        feed_ics(sessions, procedures), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _follow(request, *, procedure=None, organization=None, back):
    if ActForm(request.POST).is_valid():
        if request.POST.get("stop"):
            services.unfollow(by=request.user, procedure=procedure, organization=organization)
            messages.success(
                request,
                _("You no longer follow this call.")
                if procedure is not None
                else _("You no longer follow this organisation."),
            )
        else:
            attempt(
                request,
                lambda: services.follow(
                    by=request.user, procedure=procedure, organization=organization
                ),
                success=_("You follow it: its acts reach your notifications."),
            )
    return redirect(
        request.POST.get("next")
        if str(request.POST.get("next", "")).startswith("/")
        and not str(request.POST.get("next", "")).startswith("//")
        else back
    )


@login_required
@require_POST
def follow_call(request, pk):
    procedure = get_object_or_404(Procedure.objects.public(), pk=pk)
    return _follow(request, procedure=procedure, back=procedure.get_absolute_url())


@login_required
@require_POST
def follow_organization(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    return _follow(request, organization=organization, back=organization.get_absolute_url())
