"""The co-production API: the same refusals as the pages, as JSON errors."""

import pytest

from trama.agreements.models import Payment, Report
from trama.agreements.services import reports
from trama.agreements.tests.support_coproduction import signed_agreement

pytestmark = pytest.mark.django_db
J = "application/json"


def test_the_co_production_acts_refuse_bad_input_with_stable_codes(
    personas, program, client, token_for
):
    co = signed_agreement(personas, program=program)
    base = f"/api/v1/agreements/{co.agreement.pk}"
    tom, alice = token_for(personas.tom, "write"), token_for(personas.alice, "write")

    outside = client.post(f"{base}/reports/9/submit", headers=tom)
    assert outside.status_code == 400
    assert outside.json()["error"]["code"] == "period_outside_agreement"

    report = reports.open_report(co.agreement, co.first, by=personas.tom)
    reports.save_report(report, by=personas.tom, activities="Attività", public_summary="")
    assert client.post(f"{base}/reports/1/submit", headers=tom).status_code == 200
    twice = client.post(f"{base}/reports/1/submit", headers=tom)
    assert twice.status_code == 400
    assert twice.json()["error"]["code"] == "already_submitted"

    body = {"accept": True}
    refused = client.post(f"{base}/reports/1/verify", data=body, content_type=J, headers=tom)
    assert refused.status_code == 403
    assert (
        client.post(
            f"{base}/reports/1/verify", data=body, content_type=J, headers=alice
        ).status_code
        == 200
    )
    again = client.post(f"{base}/reports/1/verify", data=body, content_type=J, headers=alice)
    assert again.status_code == 409
    assert Report.objects.get().state == Report.State.ACCEPTED

    pay = {"paid_on": "2019-03-01", "amount": "5000.00", "order_number": "M-9"}
    early = client.post(
        f"{base}/tranches/{co.balance.pk}/payment", data=pay, content_type=J, headers=alice
    )
    assert early.json()["error"]["code"] == "condition_not_met"
    paid = client.post(
        f"{base}/tranches/{co.intermediate.pk}/payment", data=pay, content_type=J, headers=alice
    )
    assert paid.status_code == 201 and paid.json()["amount"] == "5000.00"
    twice = client.post(
        f"{base}/tranches/{co.intermediate.pk}/payment", data=pay, content_type=J, headers=alice
    )
    assert twice.json()["error"]["code"] == "already_paid"
    assert Payment.objects.count() == 1

    close = {"act_number": "1", "act_date": "2020-03-01", "reasons": "Fine"}
    early = client.post(f"{base}/close", data=close, content_type=J, headers=alice)
    assert early.status_code == 400
    assert early.json()["error"]["code"] == "final_report_missing"
