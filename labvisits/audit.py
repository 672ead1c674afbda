"""Audit log action types of lab visits (``portal.audit``), registered in
``labvisits/wagtail_hooks.py``: ``{action: (label, message)}``."""

from django.utils.translation import gettext_lazy as _

CHECKIN_OVERRIDE = "labvisits.checkin_override"

ACTIONS = {
    CHECKIN_OVERRIDE: (
        _("Check a lab visit in outside the check-in time"),
        _("Lab visit checked in outside the check-in time (%(refusal)s). Reason: %(reason)s"),
    ),
}
