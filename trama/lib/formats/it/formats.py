"""Italian date formats: "giovedì 1 ottobre 2026, 12:00", not Django's "01 Ottobre".

Only what differs from Django's own Italian formats; the rest falls back to them. Month and
weekday names are lower-case through the catalogue (trama/lib/i18n.py).
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "l j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
