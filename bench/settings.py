"""Settings of the server the HTTP benchmarks start: the portal's own settings, plus

- ``bench.urls``, which adds a trivial view (the reference of the registration rush) to
  the portal's URLs; the production URLconf never has it;
- ``STATIC_ROOT`` and an extra static folder (holding the generated 10 KB reference file)
  taken from the environment, so ``collectstatic`` writes into a temporary folder.
"""

import os

from portal.settings import *  # noqa: F403
from portal.settings import STATICFILES_DIRS

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
if os.environ.get("BENCH_STATIC_EXTRA"):
    STATICFILES_DIRS = [*STATICFILES_DIRS, os.environ["BENCH_STATIC_EXTRA"]]
