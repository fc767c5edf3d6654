"""Writing the index and searching it.

PostgreSQL: full-text search with the `trama_italian` configuration (Italian stemming,
accents ignored: "cooperativa" finds "cooperative", "attività" finds "attivita"), ranked,
with highlighted snippets. SQLite (`make run`): every word must appear in the title or the
text, newest first, the text's start as the snippet.

On PostgreSQL a search page costs two statements whatever the number of matches (measured by
`manage.py bench_search`, README): one reads the matches once from the GIN index — the
visibility is in the index, so a visitor's scan never reaches members-only rows — and returns
the counts by kind and the ids of the newest `RANKED` matches of the chosen kind; the other
ranks those (ts_rank) and makes the snippets of the shown page only, each from an excerpt
of the text around the first matched word. A word found in tens of thousands of documents
thus ranks its 1,000 newest, not all of them; later pages rank the next 1,000, and so on.
"""

import json
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from trama.community.access import is_member

from .models import SearchDocument
from .providers import PROVIDERS, objects_of

CONFIG = "trama_italian"
# Marks around the matched words in a snippet, replaced by <mark> once the text is escaped.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 40
HEADLINE = f"MaxWords={SNIPPET_WORDS}, MinWords=15, MaxFragments=2, FragmentDelimiter=' … '"
# Matches ranked at once, newest first (see above); then the next as many, for later pages.
RANKED = 1000
# A snippet is made from at most this many characters around the first matched word.
EXCERPT = 1500


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _vector():
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "text", weight="B", config=CONFIG
    )


def index(kind: str, obj) -> None:
    """Write (or remove) one object's document, from its provider."""
    doc = PROVIDERS[kind].document(obj)
    if doc is None:
        remove(kind, obj.pk)
        return
    with transaction.atomic():
        row, _created = SearchDocument.objects.update_or_create(
            kind=kind,
            object_id=obj.pk,
            defaults={
                "title": doc.title[:300],
                "text": doc.text,
                "url": doc.url,
                "visibility": doc.visibility,
            },
        )
        if _postgres():
            SearchDocument.objects.filter(pk=row.pk).update(vector=_vector())


def remove(kind: str, object_id) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


def rebuild(kinds=None) -> int:
    """Every document again, from the providers."""
    written = 0
    for kind, provider in PROVIDERS.items():
        if kinds and kind not in kinds:
            continue
        with transaction.atomic():
            SearchDocument.objects.filter(kind=kind).delete()
            rows = []
            for obj in objects_of(provider).iterator(chunk_size=2000):
                doc = provider.document(obj)
                if doc is not None:
                    rows.append(
                        SearchDocument(
                            kind=kind,
                            object_id=obj.pk,
                            title=doc.title[:300],
                            text=doc.text,
                            url=doc.url,
                            visibility=doc.visibility,
                        )
                    )
            SearchDocument.objects.bulk_create(rows, batch_size=2000)
            if _postgres():
                SearchDocument.objects.filter(kind=kind).update(vector=_vector())
            written += len(rows)
    return written


def visible_to(user) -> list[str]:
    if is_member(user):
        return [SearchDocument.Visibility.PUBLIC, SearchDocument.Visibility.MEMBERS]
    return [SearchDocument.Visibility.PUBLIC]


@dataclass
class Found:
    kind: str
    kind_label: str
    title: str
    url: str
    snippet: str


def _snippet(text: str) -> str:
    """Escaped text, the matched words marked."""
    html = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 — escaped above; only our own <mark> tags added


def _plain_snippet(text: str, query: str) -> str:
    """The text's start, the words searched for marked (the SQLite fallback)."""
    words = text.split()
    snippet = " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")
    for word in sorted(set(query.split()), key=len, reverse=True):
        snippet = re.sub(f"({re.escape(word)})", f"{START}\\1{STOP}", snippet, flags=re.IGNORECASE)
    return snippet


def matches(text: str, user, kinds=()):
    """The documents `user` may see that match `text`, best first (a queryset)."""
    rows = SearchDocument.objects.filter(visibility__in=visible_to(user))
    if kinds:
        rows = rows.filter(kind__in=kinds)
    if _postgres():
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        return (
            rows.filter(vector=query)
            .annotate(rank=SearchRank(F("vector"), query))
            .order_by("-rank", "-updated_at", "pk")
        )
    for word in text.split():
        rows = rows.filter(Q(title__icontains=word) | Q(text__icontains=word))
    return rows.order_by("-updated_at", "pk")


def counts(text: str, user) -> dict[str, int]:
    """How many documents of each kind match (the type filter's figures)."""
    if _postgres():
        return _matched(text, user, (), 0)[0]
    return dict(matches(text, user).order_by().values_list("kind").annotate(n=Count("pk")))


def page(rows, offset: int, limit: int, text: str) -> list[Found]:
    """One page of matches, with their snippets (made only for the page's rows)."""
    if _postgres():
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        rows = rows.annotate(
            snippet=SearchHeadline(
                "text",
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=SNIPPET_WORDS,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    found = []
    for row in rows[offset : offset + limit]:
        snippet = getattr(row, "snippet", None)
        if snippet is None:
            snippet = _plain_snippet(row.text, text)
        provider = PROVIDERS.get(row.kind)
        found.append(
            Found(
                row.kind,
                str(provider.label) if provider else row.kind,
                row.title,
                row.url,
                _snippet(snippet),
            )
        )
    return found


@dataclass
class Results:
    found: list[Found]
    counts: dict[str, int]  # matches by kind, for the type filter
    total: int  # matches of the chosen kind (or of every kind)
    number: int  # the page shown
    paginator: Paginator


def search(text: str, user, kind: str = "", number: int = 1, per_page: int = 20) -> Results:
    """What the search page shows: one page of `user`'s matches for `text` (of `kind`, if
    given), best first, with snippets, and how many match of each kind."""
    if not _postgres():
        figures = counts(text, user)
        total = figures.get(kind, 0) if kind else sum(figures.values())
        paginator = Paginator(range(total), per_page)
        number = min(max(1, number), paginator.num_pages)
        rows = matches(text, user, [kind] if kind else ())
        found = page(rows, (number - 1) * per_page, per_page, text)
        return Results(found, figures, total, number, paginator)
    # The page asked for is known before the total: take enough ids for it, then correct a
    # page past the end (a stale link) to the last one.
    offset = (max(1, number) - 1) * per_page
    figures, ids, tree = _matched(text, user, [kind] if kind else (), offset + per_page)
    total = figures.get(kind, 0) if kind else sum(figures.values())
    paginator = Paginator(range(total), per_page)
    shown = min(max(1, number), paginator.num_pages)
    if shown != number:
        offset = (shown - 1) * per_page
        _figures, ids, tree = _matched(text, user, [kind] if kind else (), offset + per_page)
    return Results(_ranked(text, ids, tree, offset, per_page), figures, total, shown, paginator)


def found(text: str, user, kinds=(), offset: int = 0, limit: int = 20) -> list[Found]:
    """Matches `offset` to `offset + limit`, best first, with snippets (the API's pages)."""
    if not _postgres():
        return page(matches(text, user, kinds), offset, limit, text)
    _figures, ids, tree = _matched(text, user, kinds, offset + limit)
    return _ranked(text, ids, tree, offset, limit)


# The matches, read once through the GIN index on (visibility, vector): how many of each kind,
# the newest ids of the kinds asked for (as many as the pages up to the one shown need, in
# blocks of RANKED) and the words of the query an index can look for (its `querytree`, without
# the negated ones), whose first occurrence places each snippet's excerpt.
MATCHED = f"""
WITH matched AS MATERIALIZED (
    SELECT id, kind, updated_at FROM search_searchdocument
    WHERE /* visible */ vector @@ websearch_to_tsquery('{CONFIG}', %(text)s)
)
SELECT (SELECT coalesce(json_object_agg(kind, n), '{{}}')
        FROM (SELECT kind, count(*) AS n FROM matched GROUP BY kind) AS by_kind),
       ARRAY(SELECT id FROM matched
             WHERE cardinality(%(kinds)s::text[]) = 0 OR kind = ANY(%(kinds)s::text[])
             ORDER BY updated_at DESC, id DESC LIMIT %(bound)s),
       querytree(websearch_to_tsquery('{CONFIG}', %(text)s))
"""  # noqa: S608 (this module's constants only)

# One page of the matched ids: ranked within each block of RANKED (newest first), the
# snippets made for the page's rows only, from an excerpt of at most EXCERPT characters
# starting a little before the first matched word.
RANKED_PAGE = f"""
WITH query AS (SELECT websearch_to_tsquery('{CONFIG}', %(text)s) AS q),
shown AS (
    SELECT d.id, (n.position - 1) / {RANKED} AS block, ts_rank(d.vector, query.q) AS rank,
           d.updated_at
    FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS n (id, position)
    JOIN search_searchdocument AS d ON d.id = n.id
    CROSS JOIN query
    ORDER BY block, rank DESC, d.updated_at DESC, d.id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT d.kind, d.title, d.url,
       ts_headline('{CONFIG}',
           CASE WHEN length(d.text) <= {EXCERPT} THEN d.text
                ELSE substr(d.text, greatest(1, coalesce(nullif(
                    regexp_instr(lower(unaccent(left(d.text, 100000))), %(pattern)s), 0), 1)
                    - {EXCERPT // 3}), {EXCERPT})
           END,
           query.q, %(options)s)
FROM shown JOIN search_searchdocument AS d ON d.id = shown.id CROSS JOIN query
ORDER BY shown.block, shown.rank DESC, shown.updated_at DESC, shown.id
"""  # noqa: S608 (this module's constants only)


def _matched(text: str, user, kinds, needed: int) -> tuple[dict, list[int], str]:
    bound = -(-needed // RANKED) * RANKED  # 0: the counts alone
    params = {"text": text, "kinds": list(kinds), "bound": bound}
    # Who sees every row needs no condition; anyone else's rows are picked in the index, by
    # an equality (GIN takes no `= ANY`).
    visibilities = visible_to(user)
    if set(visibilities) == set(SearchDocument.Visibility.values):
        visible = ""
    elif len(visibilities) == 1:
        visible, params["visibility"] = "visibility = %(visibility)s AND", visibilities[0]
    else:
        visible, params["visibility"] = "visibility = ANY(%(visibility)s) AND", visibilities
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The planner costs `@@` as a cheap operator and picks a sequential scan for a common
        # word; but that scan decompresses every row's vector (230 ms against 37 through the
        # index, for a word in a quarter of the benchmark's 36,705 documents), while the GIN
        # index answers the match exactly and the heap is read only for the matching rows.
        # Local to this transaction.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(MATCHED.replace("/* visible */", visible), params)
        figures, ids, tree = cursor.fetchone()
    if isinstance(figures, str):
        figures = json.loads(figures)
    return figures, ids, tree or ""


def _pattern(tree: str) -> str:
    """A regular expression that finds the query's first word in lower-case unaccented text."""
    lexemes = [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')+)'", tree)]
    if not lexemes:
        return "$^"
    return r"\m(" + "|".join(re.escape(lexeme) for lexeme in lexemes) + ")"


def _ranked(text: str, ids: list[int], tree: str, offset: int, limit: int) -> list[Found]:
    if not ids or offset >= len(ids):
        return []
    params = {
        "text": text,
        "ids": ids,
        "limit": limit,
        "offset": offset,
        "pattern": _pattern(tree),
        "options": f"StartSel='{START}', StopSel='{STOP}', {HEADLINE}",
    }
    with connection.cursor() as cursor:
        cursor.execute(RANKED_PAGE, params)
        rows = cursor.fetchall()
    return [
        Found(
            kind,
            str(PROVIDERS[kind].label) if kind in PROVIDERS else kind,
            title,
            url,
            _snippet(snippet or ""),
        )
        for kind, title, url, snippet in rows
    ]
