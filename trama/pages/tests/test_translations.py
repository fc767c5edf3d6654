"""Every string of the interface is translated in Italian and English, and none is stale."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "trama" / "locale"


@pytest.mark.parametrize("language", ["it", "en"])
def test_it_has_no_untranslated_or_fuzzy_entry(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [], f"untranslated in {language}: {missing[:10]}"
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy[:10]}"
    assert len(catalogue) > 100


def test_the_catalogue_holds_every_string_in_the_code(tmp_path):
    """Extract the strings again from a copy of the code and compare with the catalogue."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(
        root / "trama", copy / "trama", ignore=shutil.ignore_patterns("*.mo", "__pycache__")
    )
    shutil.copy(root / "manage.py", copy / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "it", "--no-obsolete", "--no-location"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    fresh = {e.msgid for e in polib.pofile(str(copy / "trama/locale/it/LC_MESSAGES/django.po"))}
    current = {e.msgid for e in polib.pofile(str(LOCALE / "it" / "LC_MESSAGES" / "django.po"))}
    assert sorted(fresh - current) == [], "run `make messages` and translate the new strings"


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_catalogue_compiles_with_gettext_checks(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_italian_dates_and_messages_read_as_italian_writes_them():
    from django.template import Context, Template
    from django.utils import translation

    from trama.procedures.tests.conftest import rome

    moment = rome(2026, 10, 1, 12, 0)
    template = Template('{{ d|date:"DATETIME_FORMAT" }} · {{ d|date:"DATE_FORMAT" }}')
    with translation.override("it"):
        shown = template.render(Context({"d": moment}))
        signed_in = translation.gettext("Successfully signed in as %(name)s.")
        sure = translation.gettext("Are you sure you want to sign out?")
    # Lower-case weekday and month, no leading zero; messages for everyone, not for men only.
    assert shown == "giovedì 1 ottobre 2026, 12:00 · 1 ottobre 2026"
    assert signed_in == "Accesso effettuato come %(name)s."
    assert "sicuro" not in sure
    with translation.override("en"):
        assert template.render(Context({"d": moment})).startswith("Oct. 1, 2026")
