"""Test settings: PostgreSQL, tasks run immediately, e-mail kept in memory."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("TASK_BACKEND", "immediate")

from trama.settings import *  # noqa: E402,F403

MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}

# Uploaded and private files of a test run go to a scratch folder, not the working tree.
import tempfile  # noqa: E402

_FILES = Path(tempfile.mkdtemp(prefix="trama-test-files-"))  # noqa: F405
MEDIA_ROOT = _FILES / "media"
PRIVATE_MEDIA_ROOT = _FILES / "private-media"

# A test database need not survive a crash: commits don't wait for the disk (browser and
# concurrency tests commit for real, and every other test's data is rolled back anyway).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405

# The API's throttles stay on, with rates no test reaches (test_throttling lowers them).
API_THROTTLE_RATES = {"token": "100000/m", "anon": "100000/m"}
