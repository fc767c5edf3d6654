"""A call's deadline as an iCalendar file (RFC 5545) that any calendar application imports.

Written by hand: one event, a time zone and an alarm do not need a library. Text values are
escaped (backslash, semicolon, comma, newline) and lines folded at 75 octets, as the RFC
requires; the deadline is given in Europe/Rome with the zone's rules, so that it stays at
the same wall-clock time wherever the person's calendar is set.
"""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

ROME = ZoneInfo("Europe/Rome")
# Europe/Rome since 1996: CET, and CEST from the last Sunday of March to the last of October.
VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Rome",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """An iCalendar TEXT value: backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (continuations start with a space), never inside
    a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def deadline_calendar(procedure, *, url: str, host: str) -> str:
    """The VCALENDAR with one event at the call's deadline and an alarm a day before."""
    deadline = procedure.deadline.astimezone(ROME)
    stamp = timezone.now().astimezone(UTC)
    summary = _("Deadline: %(title)s") % {"title": procedure.title}
    description = _("%(kind)s — %(owner)s. The call closes at %(time)s, Italian time.") % {
        "kind": procedure.get_kind_display(),
        "owner": procedure.owner.name,
        "time": f"{deadline:%H:%M}",
    }
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Trama//Call deadlines//IT",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:call-{procedure.pk}-deadline@{host}",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        # No DTEND: an event with a date-time start and no end takes no time (RFC 5545).
        f"DTSTART;TZID=Europe/Rome:{deadline:%Y%m%dT%H%M%S}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description + chr(10) + url)}",
        f"URL:{url}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-P1D",
        f"DESCRIPTION:{escape_text(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
