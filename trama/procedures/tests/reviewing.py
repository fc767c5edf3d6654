"""What a person does with an act behind a review page (lib/review.py)."""

import re


def review_token(page) -> str:
    return re.search(r'name="review_token" value="([^"]+)"', page.content.decode()).group(1)


def confirm(client, url, data=None, **kwargs):
    """Open the act's review page, then send its form once, with `data` as typed."""
    page = client.get(url)
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    return client.post(url, {**(data or {}), "review_token": review_token(page)}, **kwargs)
