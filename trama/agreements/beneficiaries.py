"""Beneficiaries reached, as aggregated counts only: the groups a report may name.

A report never holds a person's data, nor anything that reveals the health or economic
hardship of people (D.Lgs. 33/2013 art. 26 c. 4, GDPR art. 9). Groups are chosen from a
short vocabulary by age or role; "other" takes a short label, refused when it looks like a
person's name, a tax code, an e-mail address, a phone number or is mostly digits, or when
it names a health condition or economic hardship.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Group(models.TextChoices):
    CHILDREN = "CHILDREN", gettext_lazy("Children (0–13)")
    TEENAGERS = "TEENAGERS", gettext_lazy("Teenagers (14–17)")
    YOUNG_PEOPLE = "YOUNG_PEOPLE", gettext_lazy("Young people (18–29)")
    ADULTS = "ADULTS", gettext_lazy("Adults (30–64)")
    OLDER_PEOPLE = "OLDER_PEOPLE", gettext_lazy("Older people (65 and over)")
    FAMILIES = "FAMILIES", gettext_lazy("Households")
    VOLUNTEERS = "VOLUNTEERS", gettext_lazy("Volunteers involved")
    OTHER = "OTHER", gettext_lazy("Other (short description)")


OTHER_PREFIX = "OTHER:"
MAX_LABEL = 60

_EMAIL = re.compile(r"\S+@\S+")
_TAX_CODE = re.compile(r"\b[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]\b", re.IGNORECASE)
_PHONE = re.compile(r"(\+?\d[\d .\-/]{5,}\d)")
# Two or three capitalised words and nothing else reads like "Mario Rossi".
_NAME = re.compile(
    r"^[A-ZÀ-Ý][a-zà-ÿ']+(\s+(de|di|da|del|della|van|von)?\s*[A-ZÀ-Ý][a-zà-ÿ']+){1,2}$"
)
# Stems of words that reveal health or economic hardship (Italian and English).
_SENSITIVE = (
    "malat",
    "disabil",
    "handicap",
    "invalid",
    "patolog",
    "diagnos",
    "sanitar",
    "psichiatr",
    "salute mentale",
    "mental health",
    "dipendenz",
    "tossicodip",
    "alcol",
    "hiv",
    "aids",
    "tumor",
    "cancro",
    "oncolog",
    "demenz",
    "alzheimer",
    "autis",
    "povert",
    "pover",
    "indigen",
    "disoccup",
    "sfratt",
    "senza dimora",
    "senzatetto",
    "senza tetto",
    "reddito di",
    "isee",
    "sussidi",
    "debit",
    "usura",
    "illness",
    "poverty",
    "poor",
    "homeless",
    "unemploy",
    "addict",
)


def check_label(label: str) -> str:
    """The free label of an "other" group, refused if it could hold personal data."""
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError(
            _("Describe the group in a few words (e.g. “students of the evening courses”)."),
            code="label_required",
        )
    if len(label) > MAX_LABEL:
        raise ValidationError(
            _("Keep the group's description within %(n)s characters.") % {"n": MAX_LABEL},
            code="label_too_long",
        )
    digits = sum(c.isdigit() for c in label)
    if (
        _EMAIL.search(label)
        or _TAX_CODE.search(label)
        or _PHONE.search(label)
        or digits > 3
        or _NAME.match(label)
    ):
        raise ValidationError(
            _(
                "A group is described by age or role, never by a name, a tax code, an e-mail "
                "address or a phone number: only the count of people is kept."
            ),
            code="personal_data",
        )
    lowered = label.lower()
    if any(stem in lowered for stem in _SENSITIVE):
        raise ValidationError(
            _(
                "Don't describe groups by health conditions or economic hardship: those are "
                "personal data that a report must not hold. Use an age group or a role."
            ),
            code="sensitive_data",
        )
    return label


def group_value(group: str, label: str = "") -> str:
    """What a count's `group` column keeps: the vocabulary's code, or OTHER:label."""
    if group not in Group.values:
        raise ValidationError(_("Choose a group from the list."), code="invalid_group")
    if group == Group.OTHER:
        return OTHER_PREFIX + check_label(label)
    return group


def group_label(value: str) -> str:
    """The group as people read it."""
    if value.startswith(OTHER_PREFIX):
        return value[len(OTHER_PREFIX) :]
    try:
        return str(Group(value).label)
    except ValueError:
        return value
