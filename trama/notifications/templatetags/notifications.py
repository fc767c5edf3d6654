from django import template

from ..models import Notification

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """How many notifications the person has not read (one indexed count)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()
