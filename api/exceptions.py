"""The domain errors of the staff API: tokens and permissions.

Codes: ``unauthenticated`` (no token given), ``invalid_token`` (no such token, or its user
is inactive), ``token_revoked``, ``token_expired`` (401); ``scope_missing`` (the token lacks
the route's scope), ``forbidden`` (the user lacks the web permission behind the scope, or
may not see this object) (403); ``scope_not_held``, ``invalid_name``, ``invalid_expiry``
(a token refused at creation).
"""

from __future__ import annotations

from portal.errors import DomainError


class ApiTokenError(DomainError):
    """A token refused, at creation or at a request; ``code`` says why."""
