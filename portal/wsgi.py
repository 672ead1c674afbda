import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# With DEBUG off, refuse to serve on the development cache or broker (portal/checks.py).
from portal.checks import production_defaults_refuse  # noqa: E402

production_defaults_refuse()
