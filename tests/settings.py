"""Settings for the test suite: the real settings, with a throwaway data folder."""

import os
import tempfile

# Always a throwaway folder: tests never write into a real data directory.
os.environ["AFTERDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="afterdesk-test-")
os.environ["HUEY_IMMEDIATE"] = "1"

from afterdesk.settings import *  # noqa: F403

# Hashing with argon2 on every factory user would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = DATA_DIR / "media"  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects it
