"""Recording a procedure that ran before Trama in its program's history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trama.lib.refusals import add_refusal
from trama.programs.access import OWNER, access_program

from .forms import HistoricalProcedureForm
from .services import record_historical_procedure


@login_required
def history_create(request, slug):
    program = access_program(request.user, slug, need=OWNER).program
    form = HistoricalProcedureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_historical_procedure(by=request.user, program=program, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_refusal(request, exc, form)
        else:
            messages.success(request, _("The procedure is recorded."))
            return redirect(program)
    return render(
        request,
        "procedures/history_form.html",
        {"form": form, "program": program},
        status=400 if form.errors else 200,
    )
