"""Community pages: the directories, a member's profile, joining, editing and leaving."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trama.lib.refusals import attempt, form_page
from trama.lib.review import Review, reviewed

from . import services
from .access import access_member, is_member, member_of
from .directory import practising_organizations
from .forms import ConfirmForm, JoinForm, MemberFilterForm, OrganizationFilterForm, ProfileForm
from .models import Member

PAGE_SIZE = 20


def _page(request, qs):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


@require_GET
def members(request):
    form = MemberFilterForm(request.GET or None)
    me = member_of(request.user)
    qs = Member.objects.visible_to(request.user, member=me is not None)
    page, query = _page(request, qs.filtered(**form.filters()).for_directory())
    return render(
        request,
        "community/members.html",
        {"form": form, "page": page, "query": query, "me": me, "sees_members_only": me is not None},
    )


@require_GET
def member(request, pk):
    profile = access_member(request.user, pk)
    return render(
        request,
        "community/member.html",
        {"profile": profile, "is_me": profile.user_id == request.user.pk},
    )


@require_GET
def organizations(request):
    form = OrganizationFilterForm(request.GET or None)
    page, query = _page(request, practising_organizations(**form.filters()))
    return render(
        request, "community/organizations.html", {"form": form, "page": page, "query": query}
    )


@login_required
def join(request):
    if is_member(request.user):
        return redirect("community:edit")
    form = JoinForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            done = attempt(
                request,
                lambda: services.join_community(
                    request.user, consent=form.cleaned_data["consent"], **form.profile()
                ),
                form=form,
                success=_("Welcome to the community of practice."),
            )
            if done:
                return redirect(done.result)
        return form_page(request, "community/join.html", {"form": form})
    return render(request, "community/join.html", {"form": form})


def _initial(member: Member) -> dict:
    return {
        "display_name": member.display_name,
        "organizations": list(member.organizations.all()),
        "role": member.role,
        "region": member.region,
        "topics": list(member.topics.all()),
        "bio": member.bio,
        "visibility": member.visibility,
        "weekly_digest": member.weekly_digest,
    }


@login_required
def edit(request):
    me = member_of(request.user)
    if me is None:
        return redirect("community:join")
    form = ProfileForm(request.POST or None, user=request.user, initial=_initial(me))
    if request.method == "POST":
        if form.is_valid() and attempt(
            request,
            lambda: services.update_membership(me, by=request.user, **form.profile()),
            form=form,
            success=_("Profile saved."),
        ):
            return redirect(me)
        return form_page(request, "community/edit.html", {"form": form, "me": me})
    return render(request, "community/edit.html", {"form": form, "me": me})


@login_required
def leave(request):
    me = member_of(request.user)
    if me is None:
        return redirect("community:join")
    review = Review(
        request,
        title=_("Leave the community"),
        back=reverse("community:edit"),
        confirm=_("Leave the community"),
        danger=True,
    )
    return reviewed(
        request,
        review,
        ConfirmForm(request.POST if request.method == "POST" else None),
        lambda: services.leave_community(me, by=request.user),
        consequences=[
            _("Your profile disappears from the directory and from its page."),
            _("What you wrote in the community stays, signed “%(pseudonym)s”.")
            % {"pseudonym": me.pseudonym},
            _("Your account and your organisations on Trama are not touched."),
            _("You can join again later, with a new profile."),
        ],
        success=_("You left the community."),
        then=lambda _member: redirect("community:members"),
    )
