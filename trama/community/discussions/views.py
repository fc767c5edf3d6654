"""Discussion pages: categories, a category's threads, a thread, the moderation queue, and
the acts on them. Every act goes through a form and a service; a refusal comes back on the
page that was sent, with the status that says why (400, 403, 409, 429)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.community.models import Member
from trama.lib.refusals import add_refusal, refusal_code, refusal_status

from . import services
from .access import (
    access_category,
    access_post,
    access_thread,
    reader,
    visible_posts,
    visible_threads,
)
from .forms import ReasonForm, ReplyForm, SubscribeForm, ThreadActForm, ThreadForm
from .markup import quote
from .models import Category, Post, Report, State, Subscription

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20


def _status(exc) -> int:
    if isinstance(exc, ValidationError) and refusal_code(exc) == "rate_limited":
        return 429
    return refusal_status(exc)


def _run(request, action, form=None, success=""):
    """(result, None) when the service acted; (None, status) when it refused."""
    try:
        result = action()
    except (ValidationError, PermissionDenied) as exc:
        add_refusal(request, exc, form)
        return None, _status(exc)
    if success:
        messages.success(request, success)
    return result, None


def _join_prompt(request, context):
    return render(request, "discussions/join_first.html", context)


@require_GET
def categories(request):
    who = reader(request.user)
    cats = Category.objects.select_related("topic").annotate(
        thread_count=Count("threads", filter=Q(threads__state=State.PUBLISHED))
    )
    return render(request, "discussions/categories.html", {"categories": cats, "who": who})


@require_GET
def category(request, slug):
    cat, who = access_category(request.user, slug)
    if who.member is None:
        return _join_prompt(request, {"category": cat})
    threads = visible_threads(who, cat.threads.all()).for_listing()
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    following = Subscription.objects.filter(user=request.user, category=cat).first()
    return render(
        request,
        "discussions/category.html",
        {"category": cat, "page": page, "who": who, "following": following,
         "follow_form": SubscribeForm(initial={"delivery": following.delivery if following else ""})},
    )  # fmt: skip


@login_required
def new_thread(request, slug):
    cat, who = access_category(request.user, slug)
    if who.member is None:
        return _join_prompt(request, {"category": cat})
    form = ThreadForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            thread, status = _run(
                request,
                lambda: services.start_thread(
                    request.user, cat, title=data["title"], text=data["text"],
                    is_question=data["is_question"], key=data["key"],
                ),
                form,
            )  # fmt: skip
            if thread is not None:
                if thread.state == State.HELD:
                    messages.info(request, _("Thank you: your thread will appear once a moderator approves it."))  # fmt: skip
                return redirect(thread)
    return render(
        request, "discussions/new_thread.html", {"category": cat, "form": form}, status=status
    )


def _thread_page(request, thread, who, reply_form=None, status=200):
    posts = (
        visible_posts(who, thread)
        .select_related("author", "quoted__author")
        .order_by("created_at", "pk")
    )
    paginator = Paginator(posts, POSTS_PER_PAGE)
    wanted = request.GET.get("page")
    if request.GET.get("post", "").isdigit() and not wanted:
        before = posts.filter(pk__lt=int(request.GET["post"])).count()
        wanted = before // POSTS_PER_PAGE + 1
    page = paginator.get_page(wanted)
    if reply_form is None:
        initial = {}
        quoted = request.GET.get("quote", "")
        if quoted.isdigit():
            source = thread.posts.filter(pk=int(quoted), state=State.PUBLISHED).select_related("author").first()  # fmt: skip
            if source is not None:
                initial = {
                    "text": quote(source.source, source.author.public_name),
                    "quoted": source.pk,
                }
        reply_form = ReplyForm(initial=initial)
    following = Subscription.objects.filter(user=request.user, thread=thread).first()
    opening_id = thread.posts.order_by("created_at", "pk").values_list("pk", flat=True).first()
    looks_after = who.facilitates(thread.category.topic_id)
    return render(
        request,
        "discussions/thread.html",
        {
            "thread": thread, "page": page, "who": who, "form": reply_form,
            "opening_id": opening_id, "looks_after": looks_after,
            "is_author": thread.author_id == who.member.pk,
            "following": following,
            "follow_form": SubscribeForm(initial={"delivery": following.delivery if following else ""}),
            "act_form": ThreadActForm(),
            "categories": Category.objects.exclude(pk=thread.category_id) if looks_after else [],
        },
        status=status,
    )  # fmt: skip


@login_required
@require_GET
def thread(request, pk):
    thread, who = access_thread(request.user, pk)
    return _thread_page(request, thread, who)


@login_required
@require_POST
def reply(request, pk):
    thread, who = access_thread(request.user, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, thread, who, form, status=400)
    quoted = None
    if form.cleaned_data["quoted"]:
        quoted = Post.objects.filter(pk=form.cleaned_data["quoted"]).first()
    post, status = _run(
        request,
        lambda: services.reply(
            request.user, thread, text=form.cleaned_data["text"], quoted=quoted,
            key=form.cleaned_data["key"],
        ),
        form,
    )  # fmt: skip
    if post is None:
        return _thread_page(request, thread, who, form, status=status)
    if post.state == State.HELD:
        messages.info(request, _("Thank you: your reply will appear once a moderator approves it."))
    return redirect(post.get_absolute_url())


def _follow(request, *, thread=None, category=None):
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how new posts reach you."))
        return 400
    delivery = form.cleaned_data["delivery"]
    if not delivery:
        services.unsubscribe(request.user, thread=thread, category=category)
        messages.success(request, _("You no longer follow it."))
        return 200
    _result, status = _run(
        request,
        lambda: services.subscribe(request.user, thread=thread, category=category, delivery=delivery),
        success=_("You follow it now."),
    )  # fmt: skip
    return status or 200


@login_required
@require_POST
def follow_thread(request, pk):
    thread, _who = access_thread(request.user, pk)
    _follow(request, thread=thread)
    return redirect(thread)


@login_required
@require_POST
def follow_category(request, slug):
    cat, who = access_category(request.user, slug)
    if who.member is None:
        raise PermissionDenied(_("Join the community to follow its discussions."))
    _follow(request, category=cat)
    return redirect(cat)


@login_required
@require_POST
def thread_act(request, pk):
    thread, who = access_thread(request.user, pk)
    form = ThreadActForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This act is not valid."))
        return redirect(thread)
    act, data = form.cleaned_data["act"], form.cleaned_data
    actions = {
        "pin": lambda: services.pin_thread(thread, by=request.user),
        "unpin": lambda: services.pin_thread(thread, by=request.user, pinned=False),
        "lock": lambda: services.lock_thread(thread, by=request.user),
        "unlock": lambda: services.lock_thread(thread, by=request.user, locked=False),
        "retitle": lambda: services.retitle_thread(thread, by=request.user, title=data["title"]),
        "move": lambda: services.move_thread(thread, by=request.user, category=data["category"]),
    }
    if act == "move" and data["category"] is None:
        messages.error(request, _("Choose the category to move the thread to."))
        return redirect(thread)
    _result, status = _run(request, actions[act], success=_("Done."))
    if status == 403:
        raise PermissionDenied(_("Only the facilitators of this topic and the community's moderators can do this."))  # fmt: skip
    return redirect(thread)


@login_required
@require_POST
def accept(request, pk):
    post, _who = access_post(request.user, pk)
    _result, status = _run(
        request,
        lambda: services.accept_answer(post.thread, post, by=request.user),
        success=_("Answer accepted."),
    )
    if status == 403:
        raise PermissionDenied(_("Only the author of the question or a facilitator can accept an answer."))  # fmt: skip
    return redirect(post.get_absolute_url())


def _reason_page(request, post, action, title, success):
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done, status = _run(request, lambda: action(form.cleaned_data["reason"]), form, success)
            if done is not None:
                return redirect(post.thread)
    return render(
        request, "discussions/reason.html", {"post": post, "form": form, "title": title},
        status=status,
    )  # fmt: skip


@login_required
def report(request, pk):
    post, _who = access_post(request.user, pk)
    return _reason_page(
        request, post, lambda reason: services.report_post(post, by=request.user, reason=reason),
        _("Report a post to the moderators"), _("Thank you: the moderators will look at it."),
    )  # fmt: skip


@login_required
def hide(request, pk):
    post, who = access_post(request.user, pk)
    if not who.facilitates(post.thread.category.topic_id):
        raise PermissionDenied(_("Only the facilitators of this topic and the community's moderators can do this."))  # fmt: skip
    return _reason_page(
        request, post, lambda reason: services.hide_post(post, by=request.user, reason=reason),
        _("Hide a post"), _("The post is hidden."),
    )  # fmt: skip


@login_required
@require_POST
def approve(request, pk):
    post, who = access_post(request.user, pk)
    if not who.facilitates(post.thread.category.topic_id):
        raise PermissionDenied(_("Only the facilitators of this topic and the community's moderators can do this."))  # fmt: skip
    _run(request, lambda: services.approve_post(post, by=request.user), success=_("Post approved."))
    return redirect("discussions:queue")


@login_required
@require_POST
def dismiss(request, pk):
    who = reader(request.user)
    found = Report.objects.select_related("post__thread__category").filter(pk=pk).first()
    if found is None or who.member is None or not who.facilitates(found.post.thread.category.topic_id):  # fmt: skip
        raise Http404(_("No such report."))
    _run(request, lambda: services.dismiss_report(found, by=request.user), success=_("Report archived."))  # fmt: skip
    return redirect("discussions:queue")


@login_required
def queue(request):
    who = reader(request.user)
    if not who.looks_after_something:
        raise PermissionDenied(_("Only the facilitators and the community's moderators review posts."))  # fmt: skip
    where = Q() if who.moderator else Q(thread__category__topic_id__in=who.facilitated)
    held = (
        Post.objects.held().filter(where)
        .select_related("thread__category", "author")
        .order_by("created_at", "pk")
    )  # fmt: skip
    report_where = Q() if who.moderator else Q(post__thread__category__topic_id__in=who.facilitated)
    reports = (
        Report.objects.filter(report_where, resolved_at=None)
        .select_related("post__thread__category", "post__author", "reporter")
        .order_by("created_at", "pk")
    )
    return render(
        request, "discussions/queue.html",
        {"held": Paginator(held, 50).get_page(request.GET.get("held")),
         "reports": Paginator(reports, 50).get_page(request.GET.get("reports")), "who": who},
    )  # fmt: skip


@login_required
def ban(request, pk):
    who = reader(request.user)
    if not who.moderator:
        raise PermissionDenied(_("Only the community's moderators can ban a member."))
    member = Member.objects.active().filter(pk=pk).first()
    if member is None:
        raise Http404(_("No such member."))
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done, status = _run(
                request,
                lambda: services.ban_member(member, by=request.user, reason=form.cleaned_data["reason"]),
                form, _("%(name)s can no longer write in the discussions.") % {"name": member.public_name},
            )  # fmt: skip
            if done is not None:
                return redirect("discussions:queue")
    return render(request, "discussions/ban.html", {"member": member, "form": form}, status=status)
