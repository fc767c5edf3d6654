"""The "Follow" button that call and organisation pages show to signed-in people."""

from django import template

from trama.community.events.models import Follow

register = template.Library()


@register.inclusion_tag("events/_follow_button.html", takes_context=True)
def follow_button(context, procedure=None, organization=None):
    """A form that follows (or stops following) a published call or an organisation; nothing
    for anonymous visitors or for a call not published yet (one query when shown)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = bool(user and user.is_authenticated) and (
        organization is not None or (procedure is not None and procedure.published_at is not None)
    )
    following = (
        shown
        and Follow.objects.filter(
            user=user, procedure=procedure, organization=organization
        ).exists()
    )
    return {
        "shown": shown,
        "following": following,
        "procedure": procedure,
        "organization": organization,
        "next": request.path if request else "",
    }
