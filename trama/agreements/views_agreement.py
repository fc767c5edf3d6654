"""The agreement's page: its content, versions and signatures, the RUP's drafting forms and
acts, and each party's upload of its signed copy.

Before every party has signed, only parties and officers know it exists (access_agreement
answers 404 to anyone else); afterwards anyone reads the version in force and its PDF.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trama.lib.documents import docx_from_html_parts
from trama.lib.refusals import attempt, form_page
from trama.lib.review import Review, reviewed
from trama.organizations.models import Membership
from trama.procedures.access import access_procedure
from trama.procedures.models import Procedure

from .access import access_agreement
from .content import html_sections, readable
from .forms import (
    AddPartyForm,
    AgreementForm,
    CancelForm,
    ClauseForm,
    ConfirmForm,
    IndicatorForm,
    PartyForm,
    PeriodForm,
    ReasonForm,
    RepresentativeForm,
    SignedCopyForm,
    SteeringForm,
    TargetForm,
    TrancheForm,
)
from .models import Agreement, AgreementVersion, Indicator, Party, SignedCopy
from .services import agreement as drafting
from .services import signing

State = Procedure.State

# The parts added one row at a time: form, service, where the page shows them.
PARTS = {
    "steering": (SteeringForm, drafting.add_steering_member, "governance"),
    "clause": (ClauseForm, drafting.add_clause, "clauses"),
    "period": (PeriodForm, drafting.add_period, "calendar"),
    "indicator": (IndicatorForm, drafting.add_indicator, "indicators"),
    "tranche": (TrancheForm, drafting.add_tranche, "tranches"),
    "party": (AddPartyForm, drafting.add_party, "parties"),
}
NEEDS_AGREEMENT = {"steering", "tranche", "party"}
# The parts as the URLs name them, in Italian.
SLUGS = {
    "cabina": "steering",
    "clausole": "clause",
    "calendario": "period",
    "indicatori": "indicator",
    "rate": "tranche",
    "parti": "party",
}


def _url(agreement, anchor=""):
    url = reverse("agreements:agreement", args=[agreement.pk])
    return f"{url}#{anchor}" if anchor else url


def _part_form(part, agreement, data=None):
    form_class = PARTS[part][0]
    kwargs = {"auto_id": f"id_{part}_%s"}
    if part in NEEDS_AGREEMENT:
        kwargs["agreement"] = agreement
    return form_class(data, **kwargs)


def _admin_orgs(user, parties) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user,
            role=Membership.Role.ADMIN,
            organization_id__in=[p.organization_id for p in parties],
        ).values_list("organization_id", flat=True)
    )


def agreement_context(request, access, failed=None) -> dict:
    """What the page shows this user; `failed` is (key, form) of a form refused, as typed."""
    agreement, procedure = access.agreement, access.procedure
    key, bad = failed or (None, None)
    versions = list(agreement.versions.select_related("issued_by").order_by("-number"))
    latest = versions[0] if versions else None
    pending = latest if latest is not None and latest.in_force_at is None else None
    in_force = agreement.in_force
    context = {
        "access": access,
        "agreement": agreement,
        "procedure": procedure,
        "in_force": readable(in_force.content) if in_force else None,
        "in_force_version": in_force,
    }
    if not access.reads_contents:
        return context
    parties = list(agreement.parties.select_related("organization").order_by("role", "pk"))
    admin_of = _admin_orgs(request.user, parties)
    copies = {}
    # The signatures of the version awaiting them or, once every party has signed, of the
    # version in force: who signed it stays visible, with each signed copy.
    signed_version = pending or in_force
    if signed_version is not None:
        for copy in SignedCopy.objects.filter(version=signed_version).select_related("party"):
            copies[copy.party_id] = copy
    to_sign = [
        p for p in parties if p.active and p.organization_id in admin_of and p.pk not in copies
    ]
    context.update(
        versions=versions,
        pending=pending,
        signed_version=signed_version,
        parties=parties,
        signatures=[(p, copies.get(p.pk)) for p in parties if p.active],
        missing=[p for p in parties if p.active and p.pk not in copies] if pending else [],
        sign_form=(bad if key == "sign" else SignedCopyForm(parties=to_sign, auto_id="id_sign_%s"))
        if pending is not None and to_sign and access.can("sign_agreement")
        else None,
        published=[p for p in parties if p.active and p.receives_public_money],
    )
    drafting_open = access.is_rup and (
        access.can("issue_agreement") or access.can("amend_agreement")
    )
    context["drafting"] = drafting_open
    context["amending"] = procedure.state != State.TABLE
    representative_forms = []
    if drafting_open or any(p.organization_id in admin_of for p in parties):
        for party in parties:
            if not party.active:
                continue
            if drafting_open:
                form_class = PartyForm
            elif party.organization_id in admin_of and access.can("sign_agreement"):
                form_class = RepresentativeForm
            else:
                continue
            form = (
                bad
                if key == ("party", party.pk)
                else form_class(
                    initial={name: getattr(party, name) for name in drafting.PARTY_FIELDS},
                    auto_id=f"id_party{party.pk}_%s",
                )
            )
            representative_forms.append((party, form))
    context["party_forms"] = representative_forms
    if drafting_open:
        periods = list(agreement.periods.all())
        indicators = list(agreement.indicators.prefetch_related("targets"))
        for indicator in indicators:
            values = {t.period_id: t.value for t in indicator.targets.all()}
            indicator.target_list = [(p, values.get(p.pk)) for p in periods]
            indicator.target_form = (
                bad
                if key == ("target", indicator.pk)
                else TargetForm(periods=periods, auto_id=f"id_target{indicator.pk}_%s")
            )
        context.update(
            main_form=bad
            if key == "main"
            else AgreementForm(
                initial={
                    name: getattr(agreement, name)
                    for name in ("object", "starts_on", "ends_on", "governance", "obligations")
                },
                auto_id="id_main_%s",
            ),
            forms={part: bad if key == part else _part_form(part, agreement) for part in PARTS},
            steering=list(agreement.steering_members.select_related("organization")),
            clauses=list(agreement.clauses.all()),
            periods=periods,
            indicators=indicators,
            tranches=list(agreement.tranches.select_related("payee", "after_period")),
            problems=signing.issue_problems(agreement),
        )
    return context


def agreement_page(request, access, failed=None):
    context = agreement_context(request, access, failed)
    if failed and failed[1] is not None and not failed[1].is_bound:
        failed = None
    return form_page(request, "agreements/agreement.html", context, failed=bool(failed))


def agreement_detail(request, pk):
    return agreement_page(request, access_agreement(request.user, pk))


def _act(request, access, key, form, action, success, anchor=""):
    """One act from a form on the page: back to it, or the page again with the form."""
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        if attempt(request, lambda: action(**data), form=form, success=success):
            return redirect(_url(access.agreement, anchor))
        if form is None:
            return redirect(_url(access.agreement, anchor))
    return agreement_page(request, access, (key, form))


# --- drafting -----------------------------------------------------------------------------


@login_required
def agreement_new(request, pk):
    """The RUP starts the agreement of a procedure at the table, after the adoption."""
    access = access_procedure(request.user, pk, rup=True)
    procedure = access.procedure
    existing = Agreement.objects.filter(procedure=procedure).first()
    if existing is not None:
        return redirect(_url(existing))
    if procedure.state != State.TABLE or not hasattr(procedure, "adoption"):
        raise PermissionDenied(
            _("The agreement is drafted at the table, once the shared project is adopted.")
        )
    form = AgreementForm(request.POST or None, auto_id="id_main_%s")
    if request.method == "POST" and form.is_valid():
        done = attempt(
            request,
            lambda: drafting.draft_agreement(procedure, by=request.user, **form.cleaned_data),
            form=form,
            success=_("Agreement started: complete it, then issue it for signature."),
        )
        if done:
            return redirect(_url(done.result))
    return form_page(
        request,
        "agreements/agreement_new.html",
        {"procedure": procedure, "form": form},
        failed=request.method == "POST",
    )


@login_required
@require_POST
def agreement_edit(request, pk):
    access = access_agreement(request.user, pk, rup=True)
    form = AgreementForm(request.POST, auto_id="id_main_%s")
    return _act(
        request,
        access,
        "main",
        form,
        lambda **data: drafting.update_agreement(access.agreement, by=request.user, **data),
        _("Agreement saved."),
        "draft",
    )


@login_required
@require_POST
def part_add(request, pk, part):
    part = SLUGS.get(part)
    if part is None:
        raise Http404
    access = access_agreement(request.user, pk, rup=True)
    form = _part_form(part, access.agreement, request.POST)
    service = PARTS[part][1]
    return _act(
        request,
        access,
        part,
        form,
        lambda **data: service(access.agreement, by=request.user, **data),
        _("Added."),
        PARTS[part][2],
    )


@login_required
@require_POST
def part_remove(request, pk, part, item):
    part = SLUGS.get(part)
    if part not in drafting.REMOVABLE:
        raise Http404
    access = access_agreement(request.user, pk, rup=True)
    return _act(
        request,
        access,
        None,
        None,
        lambda: drafting.remove_part(access.agreement, by=request.user, part=part, pk=item),
        _("Removed."),
        PARTS[part][2],
    )


@login_required
@require_POST
def target_set(request, pk, indicator_id):
    access = access_agreement(request.user, pk, rup=True)
    indicator = get_object_or_404(Indicator, pk=indicator_id, agreement=access.agreement)
    form = TargetForm(
        request.POST,
        periods=list(access.agreement.periods.all()),
        auto_id=f"id_target{indicator.pk}_%s",
    )
    return _act(
        request,
        access,
        ("target", indicator.pk),
        form,
        lambda period, value: drafting.set_target(
            indicator, by=request.user, period=period, value=value
        ),
        _("Target saved."),
        "indicators",
    )


@login_required
@require_POST
def party_edit(request, pk, party_id):
    access = access_agreement(request.user, pk)
    party = get_object_or_404(Party, pk=party_id, agreement=access.agreement)
    form_class = PartyForm if access.is_rup else RepresentativeForm
    form = form_class(request.POST, auto_id=f"id_party{party.pk}_%s")
    return _act(
        request,
        access,
        ("party", party.pk),
        form,
        lambda **data: drafting.update_party(party, by=request.user, **data),
        _("Party saved."),
        "parties",
    )


@login_required
@require_POST
def party_withdraw(request, pk, party_id):
    access = access_agreement(request.user, pk, rup=True)
    party = get_object_or_404(Party, pk=party_id, agreement=access.agreement)
    return _act(
        request,
        access,
        None,
        None,
        lambda: drafting.withdraw_party(party, by=request.user),
        _("The party leaves the agreement with the next version."),
        "parties",
    )


# --- issuing, cancelling, publishing ------------------------------------------------------


@login_required
def agreement_issue(request, pk):
    """Review, then issue a version (or an amendment) for every party's signature."""
    access = access_agreement(request.user, pk, rup=True)
    agreement = access.agreement
    amending = access.procedure.state != State.TABLE
    review = Review(
        request,
        title=_("Issue an amendment of the agreement") if amending else _("Issue the agreement"),
        back=_url(agreement, "draft"),
        confirm=_("Issue for signature"),
    )
    pending = signing.pending_version(agreement)
    consequences = [
        _(
            "Everything in the agreement and the table's budget plan is frozen in a new "
            "version; its PDF is generated once and identified by its SHA-256."
        ),
        _(
            "Every party's administrators are asked, by e-mail and in their notifications, to sign it."
        ),
    ]
    if pending is not None:
        consequences.append(
            _(
                "Version %(n)s, not yet signed by every party, is replaced: its signatures no longer count."
            )
            % {"n": pending.number}
        )
    if amending:
        consequences.append(
            _(
                "When every party has signed it, the changed pledges are reversed and entered again in the ledger."
            )
        )
    form = ReasonForm(request.POST or None, auto_id="id_issue_%s")
    return reviewed(
        request,
        review,
        form,
        lambda reason: signing.issue_agreement(agreement, request.user, reason=reason),
        consequences=consequences,
        success=_("Version issued: the parties are asked to sign it."),
        details="agreements/_issue_review.html",
        context={"problems": signing.issue_problems(agreement), "agreement": agreement},
        then=lambda version: redirect(_url(agreement, "versions")),
    )


@login_required
def agreement_cancel(request, pk):
    access = access_agreement(request.user, pk, rup=True)
    agreement = access.agreement
    review = Review(
        request,
        title=_("Cancel the procedure"),
        back=_url(agreement),
        confirm=_("Cancel the procedure"),
        danger=True,
    )
    return reviewed(
        request,
        review,
        CancelForm(request.POST or None, auto_id="id_cancel_%s"),
        lambda reason: signing.cancel_at_table(agreement, by=request.user, reason=reason),
        consequences=[
            _("The procedure is cancelled before the agreement is signed, with a public reason."),
            _("The pledges recorded at the ranking are reversed in the ledger."),
        ],
        success=_("Procedure cancelled."),
        then=lambda procedure: redirect("procedures:call", pk=procedure.pk),
    )


@login_required
def party_published(request, pk, party_id):
    access = access_agreement(request.user, pk, rup=True)
    party = get_object_or_404(Party, pk=party_id, agreement=access.agreement)
    review = Review(
        request,
        title=_("Contribution published (art. 27 D.Lgs. 33/2013)"),
        back=_url(access.agreement, "art27"),
        confirm=_("Record the publication"),
    )
    return reviewed(
        request,
        review,
        ConfirmForm(request.POST or None),
        lambda: signing.mark_published(party, by=request.user),
        consequences=[
            _(
                "You declare that the contribution to %(party)s is published in the "
                "“Amministrazione trasparente” section, as art. 27 of D.Lgs. 33/2013 requires: "
                "only then can it be paid."
            )
            % {"party": party.organization}
        ],
        success=_("Publication recorded."),
    )


# --- signing and documents ----------------------------------------------------------------


@login_required
@require_POST
def agreement_sign(request, pk):
    access = access_agreement(request.user, pk)
    if not access.is_party:
        raise PermissionDenied(_("Only the parties sign the agreement."))
    version = signing.pending_version(access.agreement)
    if version is None:
        messages.info(request, _("There is no version awaiting signatures."))
        return redirect(_url(access.agreement))
    parties = list(access.agreement.parties.filter(organization_id__in=access.party_ids))
    form = SignedCopyForm(request.POST, request.FILES, parties=parties, auto_id="id_sign_%s")
    if form.is_valid():
        done = attempt(
            request,
            lambda: signing.sign_agreement(
                version,
                party=form.cleaned_data["party"],
                by=request.user,
                upload=form.cleaned_data["file"],
            ),
            form=form,
        )
        if done:
            copy = done.result
            messages.success(request, _("Signed copy verified and kept."))
            if not copy.signer_is_representative:
                messages.warning(
                    request,
                    _(
                        "No signer's tax code is the legal representative's: the copy is kept, "
                        "but check that whoever signed may sign for the body."
                    ),
                )
            return redirect(_url(access.agreement, "versions"))
    return agreement_page(request, access, ("sign", form))


def _version(request, pk, number) -> tuple:
    access = access_agreement(request.user, pk)
    version = get_object_or_404(AgreementVersion, agreement=access.agreement, number=number)
    if not access.reads_contents and version.pk != access.agreement.in_force_id:
        raise Http404(_("No such version."))
    return access, version


def version_pdf(request, pk, number):
    """A version's PDF as issued: private to parties and officers, public once in force."""
    access, version = _version(request, pk, number)
    with version.pdf.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="convenzione-{pk}-v{number}.pdf"'
    return response


def version_docx(request, pk, number):
    """A reading copy (.docx) of a version, for parties and officers: the PDF is what is signed."""
    access, version = _version(request, pk, number)
    if not access.reads_contents:
        raise Http404(_("No such version."))
    title = _("Agreement — %(title)s (version %(n)s)") % {
        "title": access.procedure.title,
        "n": number,
    }
    data = docx_from_html_parts(title, html_sections(version.content))
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="convenzione-{pk}-v{number}.docx"'
    return response


def signed_copy_file(request, pk, copy_id):
    """A party's signed copy as uploaded, for the parties and the officers (to file it)."""
    access = access_agreement(request.user, pk)
    if not access.reads_contents:
        raise Http404(_("No such signed copy."))
    copy = get_object_or_404(SignedCopy, pk=copy_id, version__agreement=access.agreement)
    with copy.file.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type="application/octet-stream")
    name = copy.file_name.replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
