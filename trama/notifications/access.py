"""Who reads a notification: its recipient only, for the inbox's pages and the API."""

from django.shortcuts import get_object_or_404

from .models import Notification


def access_notification(user, pk: int) -> Notification:
    """A notification of the signed-in person; anyone else's does not exist for them."""
    return get_object_or_404(Notification.objects.for_user(user), pk=pk)
