"""The import wizard (upload, check, run) and the exports of a program's entries and figures."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from trama.programs.access import OWNER, access_program

from . import exports
from .figures import Basis, Scope, check_years, compute_figures
from .forms import EntryFilterForm
from .imports import jobs, templates
from .imports.columns import columns
from .imports.forms import ImportUploadForm
from .measure import with_measure
from .models import ImportBatch, Level

# The list's own helper, so that an export holds exactly what the list shows.
from .views import _program_contributors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, slug):
    program = access_program(request.user, slug, need=OWNER).program
    posted = request.method == "POST"
    form = ImportUploadForm(*([request.POST, request.FILES] if posted else []))
    if posted and form.is_valid():
        batch = jobs.start_import(
            program,
            by=request.user,
            data=form.data_bytes,
            file_name=form.cleaned_data["file"].name,
        )
        return redirect("ledger:import_review", program.slug, batch.pk)
    context = {
        "program": program,
        "form": form,
        "columns": columns(program),
        "batches": ImportBatch.objects.filter(
            program=program, status=ImportBatch.Status.DONE
        ).select_related("by")[:10],
    }
    return render(request, "ledger/import_upload.html", context, status=400 if posted else 200)


@login_required
@require_GET
def import_template(request, slug, fmt):
    program = access_program(request.user, slug, need=OWNER).program
    name = f"modello-importazione-{program.slug}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(templates.template_csv(program), content_type=CSV_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(templates.template_xlsx(program), content_type=XLSX_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_review(request, slug, pk):
    program = access_program(request.user, slug, need=OWNER).program
    batch = ImportBatch.objects.filter(program=program, pk=pk).first()
    if batch is None:
        raise Http404(_("No such import."))
    batch.program = program
    context = _review_context(program, batch)
    if request.method == "POST":
        if not batch.can_run:
            context["refused"] = True
            return render(request, "ledger/import_review.html", context, status=400)
        jobs.start_run(batch, by=request.user)  # a second click while the first runs does nothing
        return redirect("ledger:import_review", program.slug, batch.pk)
    template = "ledger/import_review.html"
    if request.htmx:
        template += "#status"
    return render(request, template, context)


def _review_context(program, batch):
    errors = batch.errors or []
    return {
        "program": program,
        "batch": batch,
        "errors": errors,
        "more_errors": max(batch.bad - len(errors), 0),
        "percent": int(batch.progress * 100 / batch.rows) if batch.rows else None,
    }


class FiguresExportForm(forms.Form):
    basis = forms.ChoiceField(
        choices=[
            ("accepted", gettext_lazy("accepted actuals")),
            ("pledged", gettext_lazy("pledges")),
        ],
        required=False,
    )
    year_from = forms.IntegerField(min_value=1900, max_value=2200, required=False)
    year_to = forms.IntegerField(min_value=1900, max_value=2200, required=False)

    def clean(self):
        data = super().clean()
        try:
            check_years(data.get("year_from"), data.get("year_to"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


@require_GET
def entry_export(request, slug, fmt):
    """All entries matching the list's filters (or, with ?view=figures, the figures)."""
    program = access_program(request.user, slug).program
    if fmt not in ("csv", "xlsx"):
        raise Http404
    stamp = timezone.localdate().isoformat()
    if request.GET.get("view") == "figures":
        form = FiguresExportForm(request.GET)
        if not form.is_valid():
            messages = [_("Invalid figures parameters.")]
            messages += [str(e) for errors in form.errors.values() for e in errors]
            return HttpResponse(" ".join(messages), status=400)
        data = form.cleaned_data
        figures = compute_figures(
            Scope(Level.PROGRAM, program.pk),
            basis=Basis.PLEDGED if data["basis"] == "pledged" else Basis.ACCEPTED,
            year_from=data["year_from"],
            year_to=data["year_to"],
        )
        name = f"{program.slug}-indicatori-{stamp}.{fmt}"
        if fmt == "csv":
            rows = exports.csv_stream(exports.figures_header(), exports.figures_rows(figures))
            return _csv_response(rows, name)
        return _xlsx_response(exports.figures_xlsx(figures), name)
    queryset = _listed_entries(request, program)
    name = f"{program.slug}-risorse-{stamp}.{fmt}"
    if fmt == "csv":
        rows = exports.csv_stream(exports.entry_header(), exports.entry_rows(queryset))
        return _csv_response(rows, name)
    return _xlsx_response(exports.entries_xlsx(queryset), name)


def _listed_entries(request, program):
    """Every entry the list shows for these filters (same form, same rules), in id order."""
    form = EntryFilterForm(
        request.GET or None, program=program, contributors=_program_contributors(program)
    )
    entries = program.entries.select_related("contributor", "funder", "procedure")
    return form.filter(with_measure(entries)).order_by("pk")


def _csv_response(rows, name):
    response = StreamingHttpResponse(rows, content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _xlsx_response(file, name):
    return FileResponse(file, as_attachment=True, filename=name, content_type=XLSX_TYPE)
