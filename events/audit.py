"""Audit log action types of the open day (``portal.audit``), registered in
``events/wagtail_hooks.py``: ``{action: (label, message)}``. Messages are filled from the
entry's data."""

from django.utils.translation import gettext_lazy as _

SESSION_CANCEL = "events.session_cancel"
SESSION_MOVE = "events.session_move"
REGISTRATION_MOVE = "events.registration_move"
NOSHOW_LIFT = "events.noshow_lift"
CHECKIN_OVERRIDE = "events.checkin_override"

ACTIONS = {
    SESSION_CANCEL: (
        _("Cancel session"),
        _("Session cancelled; %(registrations)s registrations notified. Reason: %(reason)s"),
    ),
    SESSION_MOVE: (
        _("Move session"),
        _("Session moved from %(from)s to %(to)s; %(registrations)s registrations notified"),
    ),
    REGISTRATION_MOVE: (
        _("Move registration"),
        _("Registration moved from session %(from_session_id)s to session %(to_session_id)s"),
    ),
    NOSHOW_LIFT: (
        _("Lift no-show restriction"),
        _("No-show restriction lifted (%(no_shows)s no-shows). Reason: %(reason)s"),
    ),
    CHECKIN_OVERRIDE: (
        _("Check in outside the check-in time"),
        _("Checked in outside the check-in time (%(refusal)s). Reason: %(reason)s"),
    ),
}
