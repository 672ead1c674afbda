"""Open-day services: every rule about registrations lives here, shared by the public
views, the check-in screen, the Wagtail admin and the Celery tasks.

- ``registration``: register, cancel, change party size, waiting-list promotion, no-show policy
- ``checkin``: check-in at the door, walk-ins, marking no-shows after a session
- ``transfer``: staff moving a registration to another session of the same activity
"""
