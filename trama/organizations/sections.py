"""Parts of an organisation's public page that the apps above `organizations` contribute.

`organizations` may not import the programs, the ledger or the procedures (the layers in
pyproject.toml), yet a body's page shows its programs, calls and figures. An app allowed to
read them registers a section here from its AppConfig.ready(): a template and a function
giving that template's context for the organisation (None: nothing to show). The
dependency keeps pointing inward: `organizations` only calls what was handed to it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable  # (organization, user) -> dict | None


_sections: list[Section] = []


def register(template: str, context: Callable) -> None:
    """Add a section to every organisation's page, after those registered before it."""
    if not any(section.template == template for section in _sections):
        _sections.append(Section(template, context))


def sections_for(organization, user) -> list[tuple[str, dict]]:
    """The (template, context) of each section with something to show."""
    found = []
    for section in _sections:
        context = section.context(organization, user)
        if context is not None:
            found.append((section.template, context))
    return found
