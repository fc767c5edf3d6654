"""Pages of the practice sheets and of the library: thin, over the services."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from trama.community.access import is_member, is_moderator
from trama.lib.refusals import attempt, form_page
from trama.lib.review import Review, reviewed
from trama.organizations.access import member_org_ids

from . import services
from .access import (
    access_document,
    access_practice,
    access_version,
    live_figures,
    visible_practices,
)
from .forms import (
    CommentForm,
    ConfirmForm,
    DocumentForm,
    HideCommentForm,
    LibraryFilterForm,
    NewPracticeForm,
    PracticeFilterForm,
    PracticeForm,
    UseTemplateForm,
    VersionForm,
    practice_initial,
)
from .models import Document, PracticeActor, PracticeComment

PAGE_SIZE = 20


def _page(request, qs):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


# --- practice sheets --------------------------------------------------------------------------


@require_GET
def practices(request):
    form = PracticeFilterForm(request.GET or None)
    qs = (
        visible_practices(request.user)
        .filtered(**form.filters())
        .for_list()
        .prefetch_related(
            Prefetch("actors", queryset=PracticeActor.objects.select_related("organization"))
        )
    )
    page, query = _page(request, qs)
    return render(
        request,
        "practices/practices.html",
        {"form": form, "page": page, "query": query, "can_write": is_member(request.user)},
    )


def _can_edit(user, practice) -> bool:
    ids = {a.organization_id for a in practice.actors.all() if a.organization_id}
    return bool(ids & member_org_ids(user)) and is_member(user)


@require_GET
def practice(request, pk):
    sheet = access_practice(request.user, pk)
    actors = list(sheet.actors.select_related("organization"))
    comments = list(sheet.comments.select_related("author"))
    moderator = is_moderator(request.user)
    return render(
        request,
        "practices/practice.html",
        {
            "practice": sheet,
            "actors": actors,
            "documents": list(sheet.documents.order_by("title")),
            "figures": live_figures(sheet),
            "comments": [c for c in comments if c.hidden_at is None or moderator],
            "hidden_count": sum(1 for c in comments if c.hidden_at is not None),
            "moderator": moderator,
            "can_edit": _can_edit(request.user, sheet),
            "can_comment": sheet.is_published and is_member(request.user),
            "comment_form": CommentForm(),
        },
    )


@login_required
def practice_create(request):
    if not is_member(request.user):
        return redirect("community:join")
    form = NewPracticeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            done = attempt(
                request,
                lambda: services.create_practice(
                    by=request.user, publish=form.cleaned_data["publish"], **form.practice()
                ),
                form=form,
                success=_("Practice sheet saved."),
            )
            if done:
                return redirect(done.result)
        return form_page(request, "practices/practice_form.html", {"form": form})
    return render(request, "practices/practice_form.html", {"form": form})


@login_required
def practice_edit(request, pk):
    sheet = access_practice(request.user, pk)
    if not _can_edit(request.user, sheet):
        raise Http404(_("No such practice sheet."))
    form = PracticeForm(request.POST or None, initial=practice_initial(sheet))
    context = {"form": form, "practice": sheet}
    if request.method == "POST":
        if form.is_valid() and attempt(
            request,
            lambda: services.update_practice(
                sheet,
                by=request.user,
                base_version=form.cleaned_data.get("base_version"),
                **form.practice(),
            ),
            form=form,
            success=_("A new version of the sheet was saved."),
        ):
            return redirect(sheet)
        return form_page(request, "practices/practice_form.html", context)
    return render(request, "practices/practice_form.html", context)


@login_required
def practice_publish(request, pk):
    sheet = access_practice(request.user, pk)
    review = Review(
        request,
        title=_("Publish the practice sheet"),
        back=sheet.get_absolute_url(),
        confirm=_("Publish"),
    )
    return reviewed(
        request,
        review,
        ConfirmForm(request.POST if request.method == "POST" else None),
        lambda: services.publish_practice(sheet, by=request.user),
        consequences=[
            _("Everyone, without an account, can read the sheet."),
            _("Members of the community can comment on it."),
        ],
        success=_("The practice sheet is published."),
    )


@require_GET
def practice_history(request, pk):
    sheet = access_practice(request.user, pk)
    versions = sheet.versions.select_related("author").only(
        "number",
        "created_at",
        "practice_id",
        "author__display_name",
        "author__left_at",
        "author__user_id",
    )
    return render(request, "practices/history.html", {"practice": sheet, "versions": versions})


@require_GET
def practice_version(request, pk, number):
    sheet = access_practice(request.user, pk)
    version = get_object_or_404(sheet.versions.select_related("author"), number=number)
    return render(request, "practices/version.html", {"practice": sheet, "version": version})


@require_POST
@login_required
def practice_comment(request, pk):
    sheet = access_practice(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.add_comment(sheet, by=request.user, text=form.cleaned_data["text"]),
            success=_("Comment posted."),
        )
    else:
        attempt(request, lambda: services.add_comment(sheet, by=request.user, text=""))
    return redirect(f"{sheet.get_absolute_url()}#comments")


@login_required
def comment_hide(request, pk):
    comment = get_object_or_404(PracticeComment.objects.select_related("practice"), pk=pk)
    access_practice(request.user, comment.practice_id)
    if not is_moderator(request.user):
        raise Http404(_("No such comment."))
    back = f"{comment.practice.get_absolute_url()}#comments"
    review = Review(
        request, title=_("Hide a comment"), back=back, confirm=_("Hide the comment"), danger=True
    )
    return reviewed(
        request,
        review,
        HideCommentForm(request.POST if request.method == "POST" else None),
        lambda reason: services.hide_comment(comment, by=request.user, reason=reason),
        consequences=[
            _("The comment disappears for everyone but the moderators."),
            _("The reason is kept in the sheet's audit trail."),
        ],
        success=_("The comment is hidden."),
        then=lambda _comment: redirect(back),
    )


# --- the library ------------------------------------------------------------------------------


@require_GET
def library(request):
    form = LibraryFilterForm(request.GET or None)
    page, query = _page(request, Document.objects.filtered(**form.filters()).for_list())
    return render(
        request,
        "practices/library.html",
        {"form": form, "page": page, "query": query, "can_write": is_member(request.user)},
    )


@require_GET
def document(request, pk):
    doc = access_document(pk)
    versions = list(doc.versions.select_related("uploaded_by"))
    return render(
        request,
        "practices/document.html",
        {
            "document": doc,
            "versions": versions,
            "latest": versions[0] if versions else None,
            "tags": list(doc.tags.all()),
            "can_edit": services.can_edit_document(request.user, doc),
            "can_use": doc.kind == Document.Kind.CALL_TEMPLATE and request.user.is_authenticated,
        },
    )


@login_required
def document_create(request):
    if not is_member(request.user):
        return redirect("community:join")
    form = DocumentForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            done = attempt(
                request,
                lambda: services.create_document(by=request.user, **form.document()),
                form=form,
                success=_("Document added to the library."),
            )
            if done:
                return redirect(done.result)
        return form_page(request, "practices/document_form.html", {"form": form})
    return render(request, "practices/document_form.html", {"form": form})


@login_required
def document_version(request, pk):
    doc = access_document(pk)
    if not services.can_edit_document(request.user, doc):
        raise Http404(_("No such document."))
    form = VersionForm(request.POST or None, request.FILES or None)
    context = {"form": form, "document": doc}
    if request.method == "POST":
        if form.is_valid() and attempt(
            request,
            lambda: services.add_version(
                doc,
                by=request.user,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            ),
            form=form,
            success=_("New version uploaded."),
        ):
            return redirect(doc)
        return form_page(request, "practices/version_form.html", context)
    return render(request, "practices/version_form.html", context)


@require_GET
def download(request, pk, number):
    version = access_version(pk, number)
    services.record_download(version)
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.file_name,
        content_type=version.content_type,
    )


@require_GET
@xframe_options_sameorigin
def preview(request, pk, number):
    """A PDF shown inline on the document's page (not counted as a download)."""
    version = access_version(pk, number)
    if not version.is_pdf:
        raise Http404(_("Only PDF files have a preview."))
    response = FileResponse(
        version.file.open("rb"), filename=version.file_name, content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="{version.document_id}-{version.number}.pdf"'
    )
    return response


@login_required
def use_template(request, pk):
    doc = access_document(pk)
    if doc.kind != Document.Kind.CALL_TEMPLATE:
        raise Http404(_("Only a call template can start a call."))
    form = UseTemplateForm(request.POST or None, user=request.user, document=doc)
    context = {"form": form, "document": doc}
    if request.method == "POST":
        if form.is_valid():
            done = attempt(
                request,
                lambda: services.use_call_template(doc, by=request.user, **form.cleaned_data),
                form=form,
                success=_("Draft call created from the template: complete it and publish it."),
            )
            if done:
                return redirect(reverse("procedures:call_edit", args=[done.result.pk]))
        return form_page(request, "practices/use_template.html", context)
    return render(request, "practices/use_template.html", context)
