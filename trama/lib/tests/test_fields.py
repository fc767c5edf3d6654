"""A choice of rows costs one plain query (no server-side cursor) each time it's shown."""

import pytest
from django.contrib.auth import get_user_model

from trama.lib.fields import RowChoiceField


@pytest.mark.django_db
def test_a_choice_of_rows_is_read_in_one_plain_query(django_assert_num_queries):
    users = get_user_model()
    for n in range(3):
        users.objects.create(email=f"u{n}@trama.test")
    field = RowChoiceField(queryset=users.objects.order_by("email"), empty_label="—")
    with django_assert_num_queries(1) as captured:
        html = field.widget.render("person", None)
    assert html.count("<option") == 4 and "u0@trama.test" in html
    assert "DECLARE" not in captured.captured_queries[0]["sql"].upper()
