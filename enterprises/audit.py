"""Audit log action types of enterprises (``portal.audit``), registered in
``enterprises/wagtail_hooks.py``: ``{action: (label, message)}``."""

from django.utils.translation import gettext_lazy as _

ENTERPRISE_VERIFY = "enterprises.enterprise_verify"
ENTERPRISE_UNVERIFY = "enterprises.enterprise_unverify"

ACTIONS = {
    ENTERPRISE_VERIFY: (_("Verify enterprise"), _("Enterprise marked verified")),
    ENTERPRISE_UNVERIFY: (
        _("Remove enterprise verification"),
        _("Enterprise verification removed"),
    ),
}
