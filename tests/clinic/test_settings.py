"""Production settings refuse to start without what they need."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "clinic.example"}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS is not set"),
    ],
)
def test_production_refuses_to_start_without_required_settings(env, message):
    result = run_check(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_secret_key_and_allowed_hosts():
    result = run_check(DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="clinic.example")
    assert result.returncode == 0, result.stderr


def test_debug_mode_needs_no_configuration():
    result = run_check(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_asks_for_a_shared_cache(settings):
    from clinic.checks import shared_cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in shared_cache(None)] == ["clinic.W001"]
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x:6379/0"}
    }
    assert shared_cache(None) == []
