"""A draft keeps the work put in it, and its irreversible acts go through a review step."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.organizations import services as org_services
from trama.organizations.models import Membership, Organization
from trama.procedures import services
from trama.procedures.models import Proposal, Receipt

from .conftest import complete_proposal, pdf
from .reviewing import confirm

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(bodies, call):
    return services.start_proposal(call, by=bodies.tom, lead=bodies.consortium, title="Casa")


def _sections(call, text):
    return {f"section-{c.pk}": f"{text} {c.title}" for c in call.criteria.all()}


def test_a_refused_title_or_total_discards_no_section(bodies, call, draft, client_for):
    tom = client_for(bodies.tom)
    url = reverse("procedures:proposal_update", args=[draft.pk])
    # Without JavaScript: the whole page again, the title's reason beside it, text saved.
    response = tom.post(url, {"title": "", **_sections(call, "Testo")})
    assert response.status_code == 400
    assert 'id="id_draft_title_error"' in response.content.decode()
    assert all(s.text.startswith("Testo") for s in draft.sections.all())
    # The autosave (htmx) answers with the status only, and saves the same way.
    response = tom.post(url, {"title": "Casa comune", **_sections(call, "Nuovo")}, **HTMX)
    assert response.status_code == 200 and "Salvato alle" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == "Casa comune"
    assert all(s.text.startswith("Nuovo") for s in draft.sections.all())
    # A total with three decimals is refused beside its field; the sections stay as they are.
    response = tom.post(
        reverse("procedures:proposal_total", args=[draft.pk]), {"budget_total": "1.000,505"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_total_budget_total_error"' in page and "Nuovo" in page
    draft.refresh_from_db()
    assert draft.budget_total is None
    assert all(s.text.startswith("Nuovo") for s in draft.sections.all())


def test_a_refused_file_keeps_the_others_and_files_are_replaced_and_removed(
    bodies, draft, client_for
):
    tom = client_for(bodies.tom)
    url = reverse("procedures:proposal_attach", args=[draft.pk])
    response = tom.post(url, {"files": [pdf("a.pdf"), pdf("finto.pdf", b"non un pdf")]}, **HTMX)
    assert response.status_code == 400
    assert "finto.pdf" in response.content.decode()
    kept = draft.files.get()
    assert kept.name == "a.pdf"
    tom.post(
        reverse("procedures:proposal_replace_file", args=[draft.pk, kept.pk]),
        {"file": pdf("b.pdf", b"%PDF-1.7\n%b\n%%EOF\n")},
    )
    assert list(draft.files.values_list("name", flat=True)) == ["b.pdf"]
    new = draft.files.get()
    page = tom.post(
        reverse("procedures:proposal_remove_file", args=[draft.pk, new.pk]), **HTMX
    ).content.decode()
    assert not draft.files.exists() and "Documento tolto" in page
    actions = AuditEvent.objects.for_chain(chain_for(draft)).values_list("action", flat=True)
    assert list(actions) == ["proposal.file_removed", "proposal.file_removed"]


def test_partners_are_found_by_name_only_when_verified(bodies, call, draft, client_for):
    url = reverse("procedures:proposal_partner_search", args=[draft.pk])
    tom = client_for(bodies.tom)
    coop = bodies.coop
    assert "Cooperativa Arcobaleno" not in tom.get(url, {"partner_q": "arcob"}).content.decode()
    # Not verified: found by its full tax code, as the directory finds it.
    found = tom.get(url, {"partner_q": coop.tax_code}).content.decode()
    assert "Cooperativa Arcobaleno" in found and "non ancora verificato" in found
    org_services.verify_organization(coop, by=bodies.sam)
    found = tom.get(url, {"partner_q": "arcob"}).content.decode()
    assert f'value="{coop.pk}"' in found
    # Without JavaScript the search reloads the page with the same results in it.
    page = tom.get(reverse("procedures:proposal", args=[draft.pk]), {"partner_q": "arcob"})
    assert f'value="{coop.pk}"' in page.content.decode()
    # Neither public bodies nor the lead itself are offered.
    assert "Comune di Lecco" not in tom.get(url, {"partner_q": "comune"}).content.decode()
    assert "Consorzio" not in tom.get(url, {"partner_q": "consorzio"}).content.decode()
    # The search belongs to the draft: a partner's member can't use it, an outsider can't see it.
    services.invite_partner(draft, by=bodies.tom, organization=coop)
    assert client_for(bodies.pat).get(url, {"partner_q": "arco"}).status_code == 403
    assert client_for(bodies.oscar).get(url, {"partner_q": "arco"}).status_code == 404


def test_the_lead_is_told_whether_anybody_can_confirm(bodies, call, draft, client_for):
    tom = client_for(bodies.tom)
    url = reverse("procedures:proposal_invite", args=[draft.pk])
    page = tom.post(url, {"organization": bodies.coop.pk}, follow=True).content.decode()
    assert "chi lo amministra ha ricevuto la richiesta" in page
    services.remove_partner(draft.partners.get(organization=bodies.coop), by=bodies.tom)
    Membership.objects.filter(organization=bodies.coop, user=bodies.tom).delete()
    page = tom.post(url, {"organization": bodies.coop.pk}, follow=True).content.decode()
    assert "non ha amministratori su Trama" in page
    # Pat, its member, is told how to get the role, and may ask for it.
    page = client_for(bodies.pat).get(reverse("procedures:proposal", args=[draft.pk]))
    assert reverse("organizations:claim", args=[bodies.coop.slug]) in page.content.decode()
    org_services.claim_organization(bodies.coop, by=bodies.pat, message="Sono la presidente.")
    # A member of a body that has administrators asks them instead.
    Membership.objects.create(organization=bodies.consortium, user=bodies.pat)
    with pytest.raises(ValidationError):
        org_services.claim_organization(bodies.consortium, by=bodies.pat, message="Io.")


def test_removing_a_partner_takes_its_lines_and_leaves_a_trail(bodies, call, draft):
    partner = services.invite_partner(draft, by=bodies.tom, organization=bodies.coop)
    for amount in ("100", "200"):
        services.add_budget_line(
            draft,
            by=bodies.tom,
            contributor=bodies.coop,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2026,
            description="Quota",
            amount=amount,
        )
    with pytest.raises(ValidationError):
        services.remove_partner(draft.partners.get(role="LEAD"), by=bodies.tom)
    assert services.remove_partner(partner, by=bodies.tom) == 2
    assert not draft.budget_lines.exists()
    event = AuditEvent.objects.for_chain(chain_for(draft)).get()
    assert event.action == "proposal.partner_removed" and event.actor == bodies.tom
    assert event.data == {"organization": bodies.coop.pk, "lines": 2}


def test_submitting_goes_through_a_review_and_a_second_click_does_nothing(
    bodies, call, client_for, django_capture_on_commit_callbacks
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    tom = client_for(bodies.tom)
    url = reverse("procedures:proposal_submit", args=[proposal.pk])
    # A POST that didn't come from the review acts on nothing.
    tom.post(url)
    assert Proposal.objects.get(pk=proposal.pk).state == "DRAFT"
    review = tom.get(url).content.decode()
    assert proposal.files.get().sha256 in review and "non si può annullare" in review
    token = review.split('name="review_token" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        tom.post(url, {"review_token": token})
        second = tom.post(url, {"review_token": token}, follow=True).content.decode()
    assert "già stata ricevuta" in second
    assert Receipt.objects.filter(proposal=proposal).count() == 1
    # Submitted: nothing of the draft can be removed any more.
    with pytest.raises(ValidationError):
        services.remove_budget_line(proposal.budget_lines.get(), by=bodies.tom)


def test_withdrawing_a_draft_is_at_the_end_and_reviewed(bodies, call, draft, client_for):
    tom = client_for(bodies.tom)
    page = tom.get(reverse("procedures:proposal", args=[draft.pk])).content.decode()
    withdraw = reverse("procedures:proposal_withdraw", args=[draft.pk])
    assert page.index(withdraw) > page.index(reverse("procedures:proposal_submit", args=[draft.pk]))
    assert "Ritira la bozza" in tom.get(withdraw).content.decode()
    assert client_for(bodies.oscar).get(withdraw).status_code == 404
    confirm(client_for(bodies.tom), withdraw)
    assert Proposal.objects.get(pk=draft.pk).state == "WITHDRAWN"


def test_the_draft_page_reads_in_bounded_queries(
    bodies, call, draft, client_for, django_assert_max_num_queries
):
    services.invite_partner(draft, by=bodies.tom, organization=bodies.coop)
    for n in range(12):
        services.add_budget_line(
            draft,
            by=bodies.tom,
            contributor=bodies.coop if n % 2 else bodies.consortium,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2026,
            description=f"Voce {n}",
            amount="10",
        )
        services.attach_file(draft, by=bodies.tom, upload=pdf(f"doc{n}.pdf"))
    client = client_for(bodies.tom)
    # Session, user, 2FA check; proposal, partnership (with access); sections, plan, documents;
    # the header's bodies and notifications. The plan form is a link to its own page.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("procedures:proposal", args=[draft.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "Voce 11" in page
    # The plan form lists the partner bodies by name (and the funders, read once and kept).
    with django_assert_max_num_queries(11):
        form_page = client.get(reverse("procedures:proposal_line_form", args=[draft.pk]))
    form_page = form_page.content.decode()
    by_name = Organization.objects.filter(pk__in=[bodies.consortium.pk, bodies.coop.pk])
    options = [
        form_page.index(f'<option value="{pk}"') for pk in by_name.values_list("pk", flat=True)
    ]
    assert len(options) == 2 and options == sorted(options)
    # The partnership is in its own order.
    shown = [
        page.index(f"<strong>{escape(p.organization.name)}</strong> —")
        for p in draft.partners.select_related("organization")
    ]
    assert len(shown) == 2 and shown == sorted(shown)


def test_it_lists_the_funders_as_they_are_now(bodies, call, draft, client_for):
    """The plan form's funders are kept between visits: a change to a body shows at once."""
    page = reverse("procedures:proposal_line_form", args=[draft.pk])
    client = client_for(bodies.tom)
    option = f'<option value="{bodies.foundation.pk}">'
    assert f"{option}Fondazione del Lario</option>" in client.get(page).content.decode()
    bodies.foundation.name = "Fondazione Comunitaria del Lario"
    bodies.foundation.save()
    shown = client.get(page).content.decode()
    assert f"{option}Fondazione Comunitaria del Lario</option>" in shown


def test_autosave_and_search_stay_sealed_to_a_newcomer(bodies, call, client_for, time_machine):
    """A new version carries sealed content: an administrator who joined the lead after the
    submission neither reads nor writes it through the draft's endpoints."""
    from trama.conftest import make_user

    from .conftest import rome

    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    services.submit_proposal(proposal, by=bodies.tom)
    copy = services.start_new_version(proposal, by=bodies.tom)
    time_machine.move_to(rome(2026, 3, 10, 9, 0), tick=False)
    nina = make_user("nina@trama.test")
    Membership.objects.create(organization=bodies.consortium, user=nina, role="ADMIN")
    client = client_for(nina)
    update = reverse("procedures:proposal_update", args=[copy.pk])
    assert client.post(update, {"title": "Mia", **_sections(call, "X")}, **HTMX).status_code == 404
    search = reverse("procedures:proposal_partner_search", args=[copy.pk])
    assert client.get(search, {"partner_q": "coop"}).status_code == 404
    copy.refresh_from_db()
    assert copy.title == proposal.title
    assert not copy.sections.filter(text__startswith="X").exists()


def test_it_opens_the_plan_documents_and_partner_forms_on_demand(bodies, call, draft, client_for):
    """The draft page links each secondary form; without JavaScript the link is a page of its
    own with the form, posting where the page's own would; with htmx it opens in place."""
    tom = client_for(bodies.tom)
    page = tom.get(reverse("procedures:proposal", args=[draft.pk])).content.decode()
    forms = {
        "line": ("proposal_line_form", "proposal_add_line", 'id="id_line_description"'),
        "files": ("proposal_files_form", "proposal_attach", 'id="id_files_files"'),
        "partner": ("proposal_partner_form", "proposal_invite", 'id="id_partner_q"'),
    }
    for which, (form_name, act_name, field) in forms.items():
        url = reverse(f"procedures:{form_name}", args=[draft.pk])
        act = reverse(f"procedures:{act_name}", args=[draft.pk])
        assert f'<p id="{which}-form"><a' in page and f'href="{url}"' in page
        assert field not in page
        alone = tom.get(url)
        shown = alone.content.decode()
        assert alone.status_code == 200 and "<h1>" in shown and field in shown
        assert f'action="{act}"' in shown
        assert f'href="{reverse("procedures:proposal", args=[draft.pk])}#' in shown  # way back
        in_place = tom.get(url, **HTMX).content.decode()
        assert "<html" not in in_place and f'<div id="{which}-form">' in in_place
        assert field in in_place and f'action="{act}"' in in_place
    # The first field of each form takes the focus when it opens in place.
    for form_name, _act, _field in forms.values():
        in_place = tom.get(reverse(f"procedures:{form_name}", args=[draft.pk]), **HTMX)
        assert "autofocus" in in_place.content.decode()
    # Only the lead's administrators open them: a partner's member can't, an outsider doesn't
    # know the draft exists.
    services.invite_partner(draft, by=bodies.tom, organization=bodies.coop)
    for form_name, _act, _field in forms.values():
        url = reverse(f"procedures:{form_name}", args=[draft.pk])
        assert client_for(bodies.pat).get(url).status_code == 403
        assert client_for(bodies.oscar).get(url).status_code == 404


def test_a_refused_line_comes_back_open_with_its_reason(bodies, call, draft, client_for):
    """Without JavaScript a refused line shows the whole page again, its form open as typed;
    with htmx the plan comes back with the form open."""
    tom = client_for(bodies.tom)
    url = reverse("procedures:proposal_add_line", args=[draft.pk])
    data = {"contributor": bodies.consortium.pk, "source": "OWN_RESOURCES"}
    data |= {"category": "ECONOMIC", "year": "1900", "description": "Ore di educatore"}
    response = tom.post(url, data)
    shown = response.content.decode()
    assert response.status_code == 400 and 'id="id_line_year_error"' in shown
    assert 'value="Ore di educatore"' in shown
    response = tom.post(url, data, **HTMX)
    shown = response.content.decode()
    assert response.status_code == 400 and 'value="Ore di educatore"' in shown
    assert "<html" not in shown and 'id="id_line_year_error"' in shown


def test_the_partnership_sql_reads_what_the_orm_reads(bodies, call, draft):
    """The draft page reads its partnership through SQL written once (access.py): the same
    rows, bodies, memberships and proposal as the ORM's query, for members and others."""
    from django.contrib.auth.models import AnonymousUser

    from trama.procedures.access import _partnership_with_proposal, partnership_rows

    services.invite_partner(draft, by=bodies.tom, organization=bodies.coop)
    services.invite_partner(draft, by=bodies.tom, organization=bodies.aps)
    fields = ("pk", "role", "confirmed_at", "has_admin", "membership_id", "membership_role")
    fields += ("membership_created_at",)
    for user in (bodies.tom, bodies.pat, bodies.oscar, AnonymousUser()):
        orm = partnership_rows(draft.pk, user, with_proposal=True)
        sql = _partnership_with_proposal(draft.pk, user)
        assert len(orm) == len(sql) == 3
        for a, b in zip(orm, sql, strict=True):
            assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
            assert a.organization.__dict__.keys() >= {"name", "slug"}
            assert {k: v for k, v in a.organization.__dict__.items() if k != "_state"} == {
                k: v for k, v in b.organization.__dict__.items() if k != "_state"
            }
            for x, y in ((a.proposal, b.proposal), (a.proposal.procedure, b.proposal.procedure)):
                assert {k: v for k, v in x.__dict__.items() if k != "_state"} == {
                    k: v for k, v in y.__dict__.items() if k != "_state"
                }
    assert _partnership_with_proposal(draft.pk + 1000, bodies.tom) == []
