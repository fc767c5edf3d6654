"""Program pages: the list, opening one, and its dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The dashboard shows the program's ledger figures: views are the outer ring (DESIGN.md), and
# this one import is the contract's one exception for `programs` (pyproject.toml).
from trama.ledger.charts import program_figures
from trama.lib.cache import cached_page
from trama.lib.refusals import add_refusal
from trama.organizations.access import public_bodies_acted_for

from .access import access_program
from .forms import ProgramForm
from .models import Program
from .services import create_program

PROGRAMS_PAGE_SIZE = 20


def _verified_public_bodies(user):
    return public_bodies_acted_for(user).order_by("name")


@require_GET
def program_list(request):
    programs = Program.objects.with_territory().order_by("-start_year", "title")
    can_create = request.user.is_authenticated and _verified_public_bodies(request.user).exists()
    return render(
        request,
        "programs/program_list.html",
        {
            "page": Paginator(programs, PROGRAMS_PAGE_SIZE).get_page(request.GET.get("page")),
            "can_create": can_create,
        },
    )


@login_required
def program_create(request):
    owners = _verified_public_bodies(request.user)
    if not owners.exists():
        raise PermissionDenied(
            _("Only members of a public body verified by the platform staff can open a program.")
        )
    form = ProgramForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            program = create_program(by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_refusal(request, exc, form)
        else:
            messages.success(request, _("The program is open: record its resources."))
            return redirect(program)
    return render(
        request,
        "programs/program_form.html",
        {"form": form, "title": _("New program"), "submit": _("Open the program")},
        status=400 if form.errors else 200,
    )


@require_GET
@cached_page("ledger", "organizations", "procedures", "programs")
def program_dashboard(request, slug):
    access = access_program(request.user, slug)
    program = access.program
    context = {
        "access": access,
        "program": program,
        # Drafts are the owning body's own: the page anyone sees lists the others.
        "procedures": (
            program.procedures.all() if access.is_owner_member else program.procedures.listed()
        )
        # The signed agreement's page is linked from its procedure's row.
        .select_related("agreement")
        .order_by("opened_on", "pk"),
        **program_figures(request, program),
    }
    return render(request, "programs/program_dashboard.html", context, status=context.pop("status"))
