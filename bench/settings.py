"""Settings of the benchmark servers: the product's, with the floor page routed.

Everything else stays as in production, so the floor passes through the same middleware,
template engine and context processors as the pages measured against it.
"""

import copy

from clinic import settings as product
from clinic.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# A copy: the product's own list must not gain the bench templates.
TEMPLATES = copy.deepcopy(product.TEMPLATES)
TEMPLATES[0]["DIRS"].append(product.BASE_DIR / "bench" / "templates")
