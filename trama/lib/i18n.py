"""Strings from Django and its add-ons that their own Italian catalogues lack.

They are listed here so that `makemessages` puts them in Trama's catalogue, which takes
precedence (LOCALE_PATHS) over the packages' own translations.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

MISSING_UPSTREAM = [
    gettext_noop("- Select an option -"),  # Django 6.1's blank choice of select boxes
]

# Italian writes month and weekday names in lower case ("giovedì 1 ottobre"); Django's
# Italian catalogue capitalises them. The same msgids here, so that ours (lower case) win.
MONTHS_AND_DAYS = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
    gettext_noop("Mon"),
    gettext_noop("Tue"),
    gettext_noop("Wed"),
    gettext_noop("Thu"),
    gettext_noop("Fri"),
    gettext_noop("Sat"),
    gettext_noop("Sun"),
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"),
    pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"),
    pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"),
    pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."),
    pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."),
    pgettext_lazy("abbrev. month", "Dec."),
]

# Messages of allauth whose Italian translation speaks to a man only ("Ti sei collegato",
# "Sei sicuro?"): the same msgids here, translated without a gender.
GENDER_NEUTRAL = [
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("You have signed out."),
    gettext_noop("You are already logged in as %(user_display)s."),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("Are you sure?"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("Are you sure you want to remove this security key?"),
    gettext_noop(
        "You are about to deactivate authenticator app based authentication. Are you sure?"
    ),
]
