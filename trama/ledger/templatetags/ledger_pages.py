"""What the ledger adds to pages of the apps below it, which may not import it.

A body's public page (`organizations`) includes `ledger/_organization_resources.html`, whose
tag computes here what the ledger knows of that body.
"""

from django import template

from trama.organizations.models import Organization

from ..funders import funder_view

register = template.Library()


@register.inclusion_tag("ledger/_organization_resources_body.html", takes_context=True)
def organization_resources(context, org: Organization) -> dict:
    """A funder's view (its grants, the programs they are part of), on the funder's page."""
    access = context.get("access")
    context = {"org": org, "is_member": bool(access and access.is_member)}
    if org.kind == Organization.Kind.FUNDER:
        context["funded"] = funder_view(org)
    return context
