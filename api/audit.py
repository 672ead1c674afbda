"""Audit log action types of the staff API tokens (``portal.audit``), registered in
``api/wagtail_hooks.py``."""

from django.utils.translation import gettext_lazy as _

TOKEN_CREATE = "api.token_create"
TOKEN_REVOKE = "api.token_revoke"

ACTIONS = {
    TOKEN_CREATE: (
        _("Create API token"),
        _("API token %(prefix)s created for user %(user_id)s with scopes %(scopes)s"),
    ),
    TOKEN_REVOKE: (
        _("Revoke API token"),
        _("API token %(prefix)s of user %(user_id)s revoked"),
    ),
}
