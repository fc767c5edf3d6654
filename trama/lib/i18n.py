"""Strings from Django and its add-ons that their own Italian catalogues lack.

They are listed here so that `makemessages` puts them in Trama's catalogue, which takes
precedence (LOCALE_PATHS) over the packages' own translations.
"""

from django.utils.translation import gettext_noop

MISSING_UPSTREAM = [
    gettext_noop("- Select an option -"),  # Django 6.1's blank choice of select boxes
]
