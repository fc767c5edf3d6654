"""Programs are read-only in the admin: their owner changes through services, audited."""

import pytest
from django.urls import reverse

from trama.programs.models import Program
from trama.programs.services import create_program


@pytest.fixture
def staff(personas, client_for):
    personas.sam.is_superuser = True
    personas.sam.save(update_fields=["is_superuser"])
    return client_for(personas.sam)


def test_the_program_admin_shows_and_changes_nothing(staff, personas):
    program = create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Welfare comunitario",
        start_year=2026,
        end_year=2027,
    )
    changelist = reverse("admin:programs_program_changelist")
    change = reverse("admin:programs_program_change", args=[program.pk])
    assert staff.get(changelist, {"q": "Welfare"}).status_code == 200
    assert staff.get(change).status_code == 200
    response = staff.post(change, {"title": "Altro", "owner": personas.coop.pk})
    assert response.status_code == 403
    program = Program.objects.get(pk=program.pk)
    assert program.owner == personas.comune and program.title == "Welfare comunitario"
    assert staff.get(reverse("admin:programs_program_add")).status_code == 403
