"""The shared project's text: its sections, the first version's seed, and diffs."""

import difflib
import re
from dataclasses import dataclass

from django.utils.text import slugify

_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str


def sections(text: str) -> list[Section]:
    """The project's sections: its `##` headings, each with a slug unique in the text."""
    found, seen = [], {}
    for line in (text or "").splitlines():
        match = _HEADING.match(line)
        if not match or not match.group(1):
            continue
        heading = match.group(1)
        base = slugify(heading, allow_unicode=True)[:190] or "sezione"
        seen[base] = seen.get(base, 0) + 1
        slug = base if seen[base] == 1 else f"{base}-{seen[base]}"
        found.append(Section(slug, heading[:300]))
    return found


def seed_text(criteria, proposals) -> str:
    """Version 1: per criterion a `##` heading, each selected proposal's answer under a
    `###` heading with its lead body's name. `proposals` carry `answers` {criterion id: text}."""
    parts = []
    for criterion in criteria:
        parts.append(f"## {criterion.title}")
        for proposal in proposals:
            parts.append(f"### {proposal.lead.name}")
            parts.append((proposal.answers.get(criterion.pk) or "").strip() or "—")
    return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same", "removed", "added"
    old: int | None  # line number in the older text
    new: int | None  # line number in the newer text
    text: str


def diff_rows(older: str, newer: str, context: int = 2) -> list[DiffRow | None]:
    """A line-level diff; unchanged stretches longer than `context` lines around a change
    are cut, and a None row marks each cut."""
    a, b = (older or "").splitlines(), (newer or "").splitlines()
    rows: list[DiffRow | None] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append(None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(
                    DiffRow("same", i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            if tag in ("replace", "delete"):
                rows.extend(DiffRow("removed", i + 1, None, a[i]) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                rows.extend(DiffRow("added", None, j + 1, b[j]) for j in range(j1, j2))
    return rows
