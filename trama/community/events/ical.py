"""Sessions and call deadlines as iCalendar (RFC 5545), written with `icalendar`."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

PRODID = "-//Trama//Comunità di pratiche//IT"


def _calendar(name: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _session_event(session, *, with_link: bool) -> VEvent:
    ev = VEvent()
    host = settings.SITE_URL.split("://", 1)[-1].split("/")[0] or "trama"
    ev.add("uid", f"session-{session.pk}@{host}")
    ev.add("dtstamp", timezone.now())
    ev.add("dtstart", session.starts_at)
    ev.add("dtend", session.ends_at)
    ev.add("summary", f"{session.event.title} — {session.title}")
    description = session.description or session.event.description
    url = settings.SITE_URL + session.get_absolute_url()
    if with_link and session.online_url:
        description = f"{description}\n\n{_('Online link')}: {session.online_url}".strip()
    ev.add("description", f"{description}\n\n{url}".strip())
    ev.add("url", url)
    if session.where:
        ev.add("location", session.where)
    elif with_link and session.online_url:
        ev.add("location", session.online_url)
    return ev


def session_ics(session, *, with_link: bool = True) -> bytes:
    """One session, for the confirmation e-mail: with a reminder the day before."""
    cal = _calendar()
    ev = _session_event(session, with_link=with_link)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", ev["summary"])
    alarm.add("trigger", timedelta(days=-1))
    ev.add_component(alarm)
    cal.add_component(ev)
    return cal.to_ical()


def feed_ics(sessions, procedures) -> bytes:
    """A person's calendar: the sessions they registered for, the deadlines they follow."""
    cal = _calendar(_("Trama — my calendar"))
    host = settings.SITE_URL.split("://", 1)[-1].split("/")[0] or "trama"
    for session in sessions:
        cal.add_component(_session_event(session, with_link=True))
    for procedure in procedures:
        ev = VEvent()
        ev.add("uid", f"deadline-{procedure.pk}@{host}")
        ev.add("dtstamp", timezone.now())
        ev.add("dtstart", procedure.deadline)
        ev.add("dtend", procedure.deadline)
        ev.add("summary", _("Deadline: %(title)s") % {"title": procedure.title})
        ev.add("url", settings.SITE_URL + procedure.get_absolute_url())
        cal.add_component(ev)
    return cal.to_ical()
