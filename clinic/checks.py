"""System checks for production settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """gunicorn runs several worker processes: without Redis each keeps its own cache, so a
    staff edit or a new booking would only refresh the copy of the worker that made it,
    and each worker would count the rate limits on its own."""
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend.lower() or "dummy" in backend.lower():
        return [
            checks.Warning(
                "The cache is local to each process.",
                hint="Set REDIS_URL: cached pages, free times and rate limits must be "
                "shared by every gunicorn worker.",
                id="clinic.W001",
            )
        ]
    return []
