"""System checks of the webhook set-up (``manage.py check``, run at every start)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register("portal")
def webhook_addresses_guarded(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DEBUG off, deliveries should go to public https:// addresses only. A receiver on
    the regulator's own network is a legitimate reason to allow private addresses, so this
    warns rather than refusing to start."""
    if settings.DEBUG:
        return []
    found = []
    if settings.WEBHOOK_ALLOW_PRIVATE:
        found.append(
            checks.Warning(
                "WEBHOOK_ALLOW_PRIVATE is on: staff may point webhooks at this machine or "
                "the private network (the database, the cache, internal admin pages).",
                hint="Turn it off unless a receiver on the private network needs it "
                "(README, 'Webhooks').",
                id="webhooks.W001",
            )
        )
    if settings.WEBHOOK_ALLOW_HTTP:
        found.append(
            checks.Warning(
                "WEBHOOK_ALLOW_HTTP is on: deliveries may travel unencrypted.",
                hint="Turn it off and use https:// endpoints (README, 'Webhooks').",
                id="webhooks.W002",
            )
        )
    return found
