"""The weekly digest of what is new: one e-mail per member who asked for it."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from trama.community.models import Member
from trama.lib.mail import absolute_url, compose, queue_email, render_template_email

from .models import WeeklyMark
from .news import News, whats_new

WEEK = timedelta(days=7)
# A run a little early (the scheduler, a restart) still counts as the next week's.
MIN_INTERVAL = timedelta(days=6)


def send_weekly_digests(now=None) -> int:
    """Each member who asked for the weekly digest gets what is new since their last one
    (a week, the first time); nothing in a week with nothing new. The mark, locked and moved
    in the transaction that queues the e-mail, makes a second run in the week send nothing."""
    now = now or timezone.now()
    sent = 0
    member_ids = Member.objects.active().filter(weekly_digest=True).order_by("pk")
    for member_id in list(member_ids.values_list("pk", flat=True)):
        # In the site's language: the digest's lines are written while it is gathered.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            WeeklyMark.objects.get_or_create(
                member_id=member_id, defaults={"covered_until": now - WEEK}
            )
            mark = (
                WeeklyMark.objects.select_for_update(of=("self",))
                .select_related("member__user", "member__region")
                .get(member_id=member_id)
            )
            if mark.covered_until > now - MIN_INTERVAL:
                continue
            member = mark.member
            if not member.is_active or not member.weekly_digest:
                continue  # left, or changed their mind, since the list was read
            news = whats_new(member, mark.covered_until, until=now)
            mark.covered_until = now
            user = member.user
            if news.is_empty or not user.is_active or not user.email:
                mark.save(update_fields=["covered_until"])
                continue
            mark.sent_at = now
            mark.save(update_fields=["covered_until", "sent_at"])
            queue_email(_digest(member, news), [user.email])
            sent += 1
    return sent


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y")


def _item_title(item) -> str:
    title = f"{item.title} — {item.detail}" if item.detail else item.title
    if item.starts_at is not None:
        title += " · " + _("from %(date)s") % {"date": _when(item.starts_at)}
    return title


def _digest(member: Member, news: News):
    """The e-mail, in the site's language (the caller's override)."""
    context = {
        "member": member,
        "news": news,
        "count": news.count,
        "since": _when(news.since),
        "sections": [s for s in news.sections if s.items],
    }
    title, body = render_template_email("whatsnew/email/digest", context)
    items = [
        {"title": f"{section.label}: {_item_title(item)}", "url": absolute_url(item.url)}
        for section in news.sections
        for item in section.items
    ]
    footer = _(
        "You receive this e-mail because you asked for the weekly digest of the community. "
        "To stop it, untick it in your profile: %(url)s"
    ) % {"url": absolute_url(reverse("community:edit"))}
    return compose(
        title=title,
        body=body,
        items=items,
        url=absolute_url(reverse("whatsnew:whats_new")),
        action=_("See what's new on Trama"),
        footer=footer,
    )
