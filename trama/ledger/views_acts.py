"""The ledger's acts from pages, each behind a review step (trama.lib.review).

Single acts on one entry (verify, reject, confirm, dispute, reverse) and the queues' acts on
several entries at once (verify, confirm): GET on the act's URL shows what will happen and
that it can't be undone; only the POST from that page acts, once, through the ledger's
services (one audit event per entry).
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from trama.lib.refusals import refusal_messages
from trama.lib.review import Review, reviewed
from trama.organizations.access import funders_of
from trama.programs.access import OWNER, access_program

from . import services
from .access import access_entry
from .models import Kind, LedgerEntry
from .queues import funder_grants, pending_actuals

# How many entries one bulk act may touch: a page of the queue at most.
MAX_BULK = 100


def safe_next(request, default: str) -> str:
    """Where to go after the act: the `next` the page asked for, if it is ours."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class NoReasonForm(forms.Form):
    """An act that needs nothing typed: the review page's confirm button is the whole form."""


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The contributor reads it beside the entry."),
    )


@dataclass(frozen=True)
class Act:
    """One act on one entry: its words on the review page and the service it calls."""

    title: str
    confirm: str
    done: str
    danger: bool
    needs_reason: bool

    def form(self, data=None):
        return RequiredReasonForm(data) if self.needs_reason else NoReasonForm(data)


ACCEPT = Act(
    gettext_lazy("Accept actual #%(id)s"),
    gettext_lazy("Accept the actual"),
    gettext_lazy("Entry #%(id)s accepted: it now counts in the figures."),
    danger=False,
    needs_reason=False,
)
REJECT = Act(
    gettext_lazy("Reject actual #%(id)s"),
    gettext_lazy("Reject the actual"),
    gettext_lazy("Entry #%(id)s rejected."),
    danger=True,
    needs_reason=True,
)
CONFIRM = Act(
    gettext_lazy("Confirm grant #%(id)s"),
    gettext_lazy("Confirm the grant"),
    gettext_lazy("Grant #%(id)s confirmed."),
    danger=False,
    needs_reason=False,
)
DISPUTE = Act(
    gettext_lazy("Dispute grant #%(id)s"),
    gettext_lazy("Dispute the grant"),
    gettext_lazy("Grant #%(id)s disputed: it leaves the accepted figures."),
    danger=True,
    needs_reason=True,
)
REVERSE = Act(
    gettext_lazy("Reverse entry #%(id)s"),
    gettext_lazy("Reverse the entry"),
    gettext_lazy("Entry #%(id)s is reversed."),
    danger=True,
    needs_reason=True,
)


def _consequences(act: Act, entry: LedgerEntry) -> list[str]:
    amount = {"id": entry.pk}
    if act is ACCEPT:
        return [
            _("Actual #%(id)s is accepted: it counts in the program's figures.") % amount,
            _("The decision is final: a mistake is corrected afterwards by reversing the entry."),
        ]
    if act is REJECT:
        return [
            _("Actual #%(id)s is rejected: it does not count in the figures.") % amount,
            _("The contributor reads your reason beside the entry."),
            _("The decision is final: the contributor records a new entry if needed."),
        ]
    if act is CONFIRM:
        return [
            _("Your foundation confirms that it awarded grant #%(id)s.") % amount,
            _("The confirmation stays in the entry's history."),
        ]
    if act is DISPUTE:
        return [
            _(
                "Your foundation disputes grant #%(id)s: it leaves the accepted figures until you confirm it."
            )
            % amount,
            _("The contributor and the public body read your reason beside the entry."),
            _("The dispute stays in the entry's history."),
        ]
    return [
        _("A new entry of the same amount cancels #%(id)s: it no longer counts.") % amount,
        _("Both entries stay in the ledger with your reason; record the right entry afterwards."),
    ]


def _review_act(request, access, act: Act, run):
    """The review page of an act on one entry (GET) or the act itself (POST from that page)."""
    entry = access.entry
    program = access.program_access.program
    back = safe_next(request, reverse("ledger:entry", args=[program.slug, entry.pk]))
    words = {"id": entry.pk}
    review = Review(
        request,
        title=act.title % words,
        back=back,
        confirm=act.confirm,
        danger=act.danger,
    )
    form = act.form(request.POST if request.method == "POST" else None)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])

    def then(result):
        if act is REVERSE:
            return redirect("ledger:entry", slug=program.slug, entry_id=result.pk)
        return redirect(back)

    return reviewed(
        request,
        review,
        form,
        lambda reason="", **_: run(entry, reason),
        consequences=_consequences(act, entry),
        success=act.done % words,
        details="ledger/_entry_review.html",
        context={"entry": entry, "program": program},
        then=then,
        refused_back=True,
    )


def _decision(request, choices) -> str:
    """The act chosen by the link that opened the review (kept in the page's URL)."""
    decision = request.GET.get("decision") or request.POST.get("decision") or choices[0]
    return decision if decision in choices else choices[0]


@login_required
def entry_verify(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_verify:
        raise PermissionDenied(_("Only the program's public body verifies its actuals."))
    accept = _decision(request, ("accept", "reject")) == "accept"
    return _review_act(
        request,
        access,
        ACCEPT if accept else REJECT,
        lambda entry, reason: services.verify_entry(
            entry, by=request.user, accept=accept, reason=reason
        ),
    )


@login_required
def entry_confirm(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_confirm:
        raise PermissionDenied(_("Only the named funder confirms or disputes this grant."))
    confirmed = _decision(request, ("confirm", "dispute")) == "confirm"
    return _review_act(
        request,
        access,
        CONFIRM if confirmed else DISPUTE,
        lambda entry, reason: services.confirm_grant(
            entry, by=request.user, confirmed=confirmed, reason=reason
        ),
    )


@login_required
def entry_reverse(request, slug, entry_id):
    access = access_entry(request.user, slug, entry_id)
    if not access.can_reverse:
        raise PermissionDenied(
            _("Only the contributor's members or the program's public body reverse an entry.")
        )
    return _review_act(
        request,
        access,
        REVERSE,
        lambda entry, reason: services.reverse_entry(entry, by=request.user, reason=reason),
    )


# --- several entries at once --------------------------------------------------------------


class SelectionForm(forms.Form):
    """The entries ticked in a queue (their numbers), at most a page of it."""

    entries = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, data, *, choices):
        super().__init__(data)
        self.fields["entries"].choices = [(pk, pk) for pk in choices]

    def clean_entries(self):
        entries = self.cleaned_data["entries"]
        if len(entries) > MAX_BULK:
            raise ValidationError(
                _("Select at most %(max)s entries at a time.") % {"max": MAX_BULK},
                code="too_many",
            )
        return entries


def _selected_ids(request) -> list[int]:
    """The entries ticked in the queue: in the review page's URL, which its form posts to."""
    ids = []
    for value in request.GET.getlist("entries")[: MAX_BULK + 1]:
        if value.isascii() and value.isdigit() and len(value) <= 18:
            ids.append(int(value))
    return list(dict.fromkeys(ids))


def _bulk(request, *, candidates, back, done_many, bulk_title, bulk_confirm, consequences, run):
    """The review page of an act on the selected entries, or the act on each of them.

    Each entry goes through the service on its own: one audit event per entry, and an entry
    someone else handled meanwhile is reported, not acted on twice.
    """
    ids = _selected_ids(request)
    waiting = {e.pk: e for e in candidates.filter(pk__in=ids)}
    form = SelectionForm({"entries": ids}, choices=ids)
    if not ids:
        messages.warning(request, _("Select at least one entry in the list first."))
        return redirect(back)
    handled = [pk for pk in ids if pk not in waiting]
    entries = [waiting[pk] for pk in ids if pk in waiting]
    review = Review(request, title=bulk_title, back=back, confirm=bulk_confirm)
    if request.method == "GET":
        pledged = sum((e.amount for e in entries if e.kind == Kind.PLEDGE), Decimal("0"))
        actual = sum((e.amount for e in entries if e.kind == Kind.ACTUAL), Decimal("0"))
        if not form.is_valid() or not entries:
            for error in form.errors.get("entries", []):
                messages.error(request, error)
            if not entries:
                messages.info(request, _("The selected entries were already handled."))
            return redirect(back)
        return review.page(
            consequences=consequences(len(entries)),
            details="ledger/_bulk_review.html",
            context={
                "entries": entries,
                "handled": handled,
                "pledged_total": pledged,
                "actual_total": actual,
            },
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not form.is_valid():
        for error in form.errors.get("entries", []):
            messages.error(request, error)
        return redirect(back)
    if not review.spend():
        return review.already_done()
    done = 0
    for pk in ids:
        entry = waiting.get(pk)
        if entry is None:
            messages.warning(
                request, _("#%(id)s was already handled: nothing was done to it.") % {"id": pk}
            )
            continue
        try:
            run(entry)
        except (ValidationError, PermissionDenied) as exc:
            messages.warning(
                request,
                _("#%(id)s: %(reason)s") % {"id": pk, "reason": " ".join(refusal_messages(exc))},
            )
        else:
            done += 1
    if done:
        messages.success(request, done_many(done))
    return redirect(back)


def _verify_consequences(count):
    return [
        ngettext(
            "The actual listed below is accepted: it counts in the program's figures.",
            "The %(n)s actuals listed below are accepted: they count in the program's figures.",
            count,
        )
        % {"n": count},
        _("Each decision is final and recorded on its own in the audit trail."),
    ]


def _confirm_consequences(count):
    return [
        ngettext(
            "Your foundation confirms that it awarded the grant listed below.",
            "Your foundation confirms that it awarded the %(n)s grants listed below.",
            count,
        )
        % {"n": count},
        _("Each confirmation is recorded on its own and stays in the entry's history."),
    ]


def _accepted_many(count) -> str:
    return ngettext(
        "%(n)s actual accepted: it now counts in the figures.",
        "%(n)s actuals accepted: they now count in the figures.",
        count,
    ) % {"n": count}


def _confirmed_many(count) -> str:
    return ngettext("%(n)s grant confirmed.", "%(n)s grants confirmed.", count) % {"n": count}


@login_required
def queue_verify(request, slug):
    access = access_program(request.user, slug, need=OWNER)
    if not access.can_verify:
        raise PermissionDenied(_("Only the program's public body verifies its actuals."))
    program = access.program
    return _bulk(
        request,
        candidates=pending_actuals(program),
        back=safe_next(request, reverse("ledger:queue", args=[program.slug])),
        done_many=_accepted_many,
        bulk_title=_("Accept the selected actuals"),
        bulk_confirm=_("Accept the selection"),
        consequences=_verify_consequences,
        run=lambda entry: services.verify_entry(entry, by=request.user, accept=True),
    )


@login_required
def queue_confirm(request):
    funders = list(funders_of(request.user))
    if not funders:
        raise PermissionDenied(_("Only members of a funder confirm grants."))
    return _bulk(
        request,
        candidates=funder_grants(funders).filter(confirmation_status__isnull=True),
        back=safe_next(request, reverse("ledger:funder_queue")),
        done_many=_confirmed_many,
        bulk_title=_("Confirm the selected grants"),
        bulk_confirm=_("Confirm the selection"),
        consequences=_confirm_consequences,
        run=lambda entry: services.confirm_grant(entry, by=request.user, confirmed=True),
    )
