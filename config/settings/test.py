"""Settings for the test suite: the environment's database and broker, fast hashing."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "y" * 30)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# A fixed key of the tests' own (not the public development key, which production refuses).
os.environ.setdefault("REFERRAL_KEYS", "b216aWVuLXRlc3Qtc3VpdGUta2V5LW5vdC1zZWNyZXQ=")

from .base import *  # noqa: F403
from .base import VAR_DIR

ALLOWED_HOSTS = ["*"]
# Rows of a kind the agenda does not know (tests/testapp): the keep-not-delete rule.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Tasks run in-process in ordinary tests; tests/config/test_celery_worker.py sends them
# through a real worker and broker instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SEED_ALLOWED = True
