from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .access import access_procedure
from .calendar import deadline_calendar


@require_GET
def call_deadline_ics(request, pk):
    """The call's deadline as a calendar file, for whoever may see the call."""
    procedure = access_procedure(request.user, pk).procedure
    if procedure.deadline is None:
        raise Http404(_("This call has no deadline."))
    body = deadline_calendar(
        procedure,
        url=request.build_absolute_uri(procedure.get_absolute_url()),
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="avviso-{procedure.pk}-scadenza.ics"'
    return response
