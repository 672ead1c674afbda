"""Hooks the core offers to apps on higher floors: the feature apps send them, an app above
them (``webhooks``) connects a receiver in its ``AppConfig.ready()``. The feature apps then
need not know who listens (README, "Apps and the rules between them": inversion).

Receivers run inside the sender's transaction: what they write is committed or rolled back
with the change itself.
"""

from __future__ import annotations

from django.dispatch import Signal

# A registration, consultation or lab visit changed state (``portal.history``): sent with
# ``sender`` the concrete ``StateChange`` model and ``changes`` the list of saved steps
# (one for ``state_change_record``, a batch for ``state_changes_create``).
state_changed = Signal()

# An open-day session's time moved or the organiser cancelled it (``events.services.session``):
# sent with ``sender`` the session model, ``session``, ``kind`` ("changed" or "cancelled"),
# ``key`` (unique for this change, e.g. the notice that tells the registrants), ``at`` and
# ``reason`` (the organiser's reason for a cancellation, "" otherwise).
session_changed = Signal()
