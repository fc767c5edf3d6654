"""Tell people of events: a row in their inbox and the e-mail their preference asks for."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trama.lib.mail import absolute_url, compose, queue_email, render_template_email

from .models import STAFF_KINDS, Delivery, Kind, Notification, Preference

User = get_user_model()


def _footer(kind_label: str = "") -> str:
    preferences = absolute_url(reverse("notifications:preferences"))
    reason = _("Kind of notification: %(kind)s.") % {"kind": kind_label} if kind_label else ""
    choose = _(
        "You choose how each kind of notification reaches you (at once, in a daily digest "
        "or only on Trama): %(url)s"
    ) % {"url": preferences}
    return "\n\n".join(part for part in (reason, choose) if part)


def deliveries(user_ids, kind: str) -> dict[int, str]:
    """Each person's choice for `kind`; an e-mail at once where they chose nothing."""
    chosen = dict(
        Preference.objects.filter(user_id__in=list(user_ids), kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: chosen.get(pk, Delivery.IMMEDIATE) for pk in user_ids}


def notify(recipients, kind: str, *, template: str, context: dict, path: str = "", by=None):
    """Tell each recipient of one event (inside the act's transaction; e-mails on commit).

    `template` names `<template>_subject.txt` (the title) and `<template>_message.txt` (the
    text), rendered once in the site's language; `path` is the page of the act. `by`, who
    acted, is not told of their own act.
    """
    kind = Kind(kind)
    people = {}
    for user in recipients:
        if user is None or (by is not None and user.pk == by.pk):
            continue
        if user.is_active and user.deleted_at is None and user.email:
            people.setdefault(user.pk, user)
    if not people:
        return []
    title, body = render_template_email(template, context)
    now = timezone.now()
    how = deliveries(people, kind)
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            title=title[:300],
            body=body,
            path=path,
            delivery=how[pk],
            emailed_at=now if how[pk] == Delivery.IMMEDIATE else None,
        )
        for pk, user in people.items()
    )
    at_once = [user.email for pk, user in people.items() if how[pk] == Delivery.IMMEDIATE]
    if at_once:
        with translation.override(settings.LANGUAGE_CODE):
            email = compose(
                title=title,
                body=body,
                url=absolute_url(path) if path else "",
                footer=_footer(kind.label),
            )
        queue_email(email, at_once)
    return rows


def staff_users():
    """Platform staff who take the staff's notifications."""
    return User.objects.filter(is_staff=True, is_active=True, deleted_at__isnull=True)


def admin_organization_path(organization) -> str:
    """The staff's list of organisations, narrowed to this one: its actions verify it."""
    query = urlencode({"q": organization.slug})
    return f"{reverse('admin:organizations_organization_changelist')}?{query}"


def admin_claims_path(claim) -> str:
    """The staff's pending claims by this person: its actions approve or reject them."""
    query = urlencode({"status__exact": "PENDING", "q": claim.user.email})
    return f"{reverse('admin:organizations_organizationclaim_changelist')}?{query}"


def mark_read(notification: Notification, *, by) -> Notification:
    """The recipient has seen one notification."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, by) -> int:
    """The recipient has seen every notification so far."""
    return Notification.objects.for_user(by).unread().update(read_at=timezone.now())


def kinds_for(user) -> list[Kind]:
    """The kinds a person chooses about (the staff's only for staff)."""
    return [kind for kind in Kind if user.is_staff or kind not in STAFF_KINDS]


def set_preferences(*, by, choices: dict[str, str]) -> None:
    """Record how each kind of event reaches the person; an e-mail at once needs no row."""
    allowed = set(kinds_for(by))
    with transaction.atomic():
        for kind, delivery in choices.items():
            kind, delivery = Kind(kind), Delivery(delivery)
            if kind not in allowed:
                continue
            if delivery == Delivery.IMMEDIATE:
                Preference.objects.filter(user=by, kind=kind).delete()
            else:
                Preference.objects.update_or_create(
                    user=by, kind=kind, defaults={"delivery": delivery}
                )
        # Waiting rows follow the new choice: an e-mail at once now means the next digest
        # still carries them, never a second e-mail; "only on Trama" drops them from it.
        inbox_kinds = [kind for kind, delivery in choices.items() if delivery == Delivery.INBOX]
        Notification.objects.for_user(by).awaiting_digest().filter(kind__in=inbox_kinds).update(
            delivery=Delivery.INBOX
        )


def send_digests(now=None) -> int:
    """One e-mail to each person with the unread notifications they chose to get in a digest.

    Rows are claimed (emailed_at) in the transaction that queues the e-mail: two runs at
    once, or a second run the same day, never send a row twice.
    """
    now = now or timezone.now()
    sent = 0
    recipients = (
        Notification.objects.awaiting_digest()
        .filter(created_at__lte=now, recipient__is_active=True, recipient__deleted_at__isnull=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for recipient_id in list(recipients):
        with transaction.atomic():
            rows = list(
                Notification.objects.awaiting_digest()
                .filter(recipient_id=recipient_id, created_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .order_by("created_at", "pk")
            )
            if not rows:
                continue
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=now)
            _queue_digest(rows[0].recipient, rows)
            sent += 1
    return sent


def _queue_digest(user, rows) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        count = len(rows)
        title = ngettext(
            "%(count)s new notification on Trama",
            "%(count)s new notifications on Trama",
            count,
        ) % {"count": count}
        body = _("Here is what happened since the last digest. Each item links to its page.")
        items = [{"title": row.title, "url": row.url} for row in rows]
        email = compose(
            title=title,
            body=body,
            items=items,
            url=absolute_url(reverse("notifications:inbox")),
            action=_("Open your notifications"),
            footer=_footer(),
        )
    queue_email(email, [user.email])


READ_KEPT_FOR = timedelta(days=180)


def prune_notifications(now=None) -> int:
    """Forget notifications read more than six months ago."""
    now = now or timezone.now()
    deleted, _counts = Notification.objects.filter(read_at__lt=now - READ_KEPT_FOR).delete()
    return deleted
