"""Personal data: the retention purge, a user's own data export, and account deletion.

Anonymising, not deleting: registrations, consultations and lab visits stay (their state,
party or group size, times and check-ins feed the statistics, and consultations and
visits are the enterprises' records), but what identifies a person is overwritten:

- registrations: name → ``ANONYMISED_NAME``; phone, e-mail and organisation cleared; the
  account link and the ticket code (a bearer credential of the QR ticket) removed. A
  cleared phone is "" on purpose: the partial unique constraint
  ``registration_one_active_per_phone`` leaves phone="" out, so any number of anonymised
  rows of one session can coexist. Consent time and notice version stay: they prove
  consent was given and say nothing about who gave it.
- consultations: contact name and phone. The problem description, topic, summary,
  recommendations, rating and attachments are the enterprise's business data and stay.
- lab visits: contact name and phone and the visitors' names. The purpose stays (business
  data); the ticket code stays (unique, not personal, useless once the slot has passed).

Each step selects rows that still carry personal data, so running the purge again changes
nothing, and works in batches of ``BATCH_SIZE`` rows, one short transaction each.
"""

from __future__ import annotations

import datetime
import functools
import operator

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import ACTIVE_STATES as CONSULTATION_ACTIVE_STATES
from consultations.models import Consultation
from enterprises.models import Enterprise, Membership
from events.models import ActivityPage, OpenDayIndexPage, Registration
from experts.models import Expert
from inbox.models import Notification, Preference
from inbox.services import user_language
from labvisits.models import HOLDING_STATES as LAB_VISIT_HOLDING_STATES
from labvisits.models import InstitutionContact, LabVisit
from portal.audit import PRIVACY_EXPORT, audit_log
from portal.errors import DomainError
from reminders.models import Reminder

BATCH_SIZE = 500
# The parts of a personal-data export whose rows the audit entry counts.
EXPORT_COUNTED = (
    "enterprise_memberships",
    "registrations",
    "consultations",
    "lab_visits",
    "notifications",
)

# Written in place of a person's name. Language-neutral on purpose: it is stored once and
# read by staff of either language.
ANONYMISED_NAME = "***"

REGISTRATION_ANONYMOUS = {
    "name": ANONYMISED_NAME,
    "phone": "",
    "email": "",
    "organisation": "",
    "user": None,
    "ticket_code": None,
}
# Rows that still hold any of the fields above: the exact negation of the values, so a
# batch loop over it always ends.
REGISTRATION_HAS_PERSONAL_DATA = (
    ~Q(name=ANONYMISED_NAME)
    | ~Q(phone="")
    | ~Q(email="")
    | ~Q(organisation="")
    | Q(user__isnull=False)
    | Q(ticket_code__isnull=False)
)

CONSULTATION_ANONYMOUS = {"contact_name": ANONYMISED_NAME, "contact_phone": ""}
CONSULTATION_HAS_PERSONAL_DATA = ~Q(contact_name=ANONYMISED_NAME) | ~Q(contact_phone="")

LAB_VISIT_ANONYMOUS = {"contact_name": ANONYMISED_NAME, "contact_phone": "", "visitor_names": ""}
LAB_VISIT_HAS_PERSONAL_DATA = (
    ~Q(contact_name=ANONYMISED_NAME) | ~Q(contact_phone="") | ~Q(visitor_names="")
)

# Consultations without a time (declined or cancelled before one was chosen) count from
# their last change, once they can no longer change.
CONSULTATION_FINISHED_STATES = (
    Consultation.State.DECLINED,
    Consultation.State.CANCELLED,
    Consultation.State.COMPLETED,
    Consultation.State.NO_SHOW,
)
# Reminder rows nobody will act on again; pending or sending rows are left alone.
REMINDER_FINAL_STATES = (
    Reminder.State.SENT,
    Reminder.State.FAILED,
    Reminder.State.CANCELLED,
    Reminder.State.SKIPPED,
)


class PrivacyError(DomainError):
    """A refused request about personal data; ``code`` is machine-readable."""


# --- Retention ---------------------------------------------------------------------------


def _update_in_batches(queryset: models.QuerySet, values: dict) -> int:
    """Apply ``values`` to every row of ``queryset`` (which must stop matching a row once
    updated), ``BATCH_SIZE`` rows per transaction. Returns the rows changed."""
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not pks:
            return total
        with transaction.atomic():
            total += model.objects.filter(pk__in=pks).update(**values)


def _delete_in_batches(queryset: models.QuerySet) -> int:
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not pks:
            return total
        with transaction.atomic():
            model.objects.filter(pk__in=pks).delete()
        total += len(pks)


def registrations_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the registrations of sessions of campaigns whose last day is before
    ``cutoff``'s local date. Returns the rows changed."""
    cutoff_date = timezone.localdate(cutoff)
    # Sessions belong to the default-language activity pages; campaigns are their parents
    # in the page tree (a campaign's translation has no sessions below it).
    paths = list(
        OpenDayIndexPage.objects.filter(end_date__lt=cutoff_date).values_list("path", flat=True)
    )
    if not paths:
        return 0
    below = functools.reduce(operator.or_, (Q(path__startswith=p) for p in paths))
    activities = ActivityPage.objects.filter(below).values("pk")
    queryset = Registration.objects.filter(session__activity__in=activities).filter(
        REGISTRATION_HAS_PERSONAL_DATA
    )
    return _update_in_batches(queryset, REGISTRATION_ANONYMOUS)


def consultations_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the contact of consultations whose appointment ended before ``cutoff``
    (or, without an appointment, that finished and last changed before it)."""
    ended = Q(ends_at__lt=cutoff) | Q(
        ends_at__isnull=True, updated_at__lt=cutoff, state__in=CONSULTATION_FINISHED_STATES
    )
    queryset = Consultation.objects.filter(ended).filter(CONSULTATION_HAS_PERSONAL_DATA)
    return _update_in_batches(queryset, CONSULTATION_ANONYMOUS)


def lab_visits_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the contact and visitors of lab visits whose slot ended before ``cutoff``."""
    queryset = LabVisit.objects.filter(slot__ends_at__lt=cutoff).filter(LAB_VISIT_HAS_PERSONAL_DATA)
    return _update_in_batches(queryset, LAB_VISIT_ANONYMOUS)


def reminders_delete_old(*, cutoff: datetime.datetime) -> int:
    """Delete finished reminder rows due before ``cutoff``. They hold no personal data
    (the address is read from the target when sending) but they are a log of who was
    written to about what; past the retention time nobody needs it."""
    return _delete_in_batches(
        Reminder.objects.filter(state__in=REMINDER_FINAL_STATES, due_at__lt=cutoff)
    )


def personal_data_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Anonymise personal data kept longer than ``PERSONAL_DATA_RETENTION_DAYS`` after the
    campaign or appointment ended, and delete old reminder rows. Idempotent; statistics
    computed from these rows do not change. Returns the rows changed per kind."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    return {
        "registrations": registrations_anonymise_ended(cutoff=cutoff),
        "consultations": consultations_anonymise_ended(cutoff=cutoff),
        "lab_visits": lab_visits_anonymise_ended(cutoff=cutoff),
        "reminders": reminders_delete_old(cutoff=cutoff),
    }


# --- A user's own data -------------------------------------------------------------------


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_export(*, user: AbstractBaseUser) -> dict:
    """Everything the portal keeps about ``user``, as JSON-ready values. Phone numbers are
    shown as stored: they are the user's own. Each export is written to the audit log
    (``portal.privacy_export``, with the number of rows of each kind)."""
    registrations = (
        Registration.objects.filter(user=user)
        .select_related("session__activity")
        .order_by("session__starts_at", "pk")
    )
    consultations = (
        Consultation.objects.filter(requested_by=user)
        .select_related("enterprise")
        .order_by("created_at", "pk")
    )
    lab_visits = (
        LabVisit.objects.filter(requested_by=user)
        .select_related("slot__lab", "enterprise")
        .order_by("slot__starts_at", "pk")
    )
    memberships = (
        Membership.objects.filter(user=user).select_related("enterprise").order_by("created_at")
    )
    email_addresses = []
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress

        email_addresses = [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ]
    export = {
        "generated_at": _iso(timezone.now()),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user_language(user),
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": email_addresses,
        },
        "enterprise_memberships": [
            {
                "enterprise": m.enterprise.name,
                "role": m.role,
                "status": m.status,
                "since": _iso(m.created_at),
            }
            for m in memberships
        ],
        "registrations": [
            {
                "activity": r.session.activity.title,
                "session_starts_at": _iso(r.session.starts_at),
                "session_ends_at": _iso(r.session.ends_at),
                "status": r.status,
                "party_size": r.party_size,
                "name": r.name,
                "phone": r.phone,
                "email": r.email,
                "organisation": r.organisation,
                "ticket_code": r.ticket_code,
                "registered_at": _iso(r.created_at),
                "consent_at": _iso(r.consent_at),
                "consent_version": r.consent_version,
                "checked_in_at": _iso(r.checked_in_at),
            }
            for r in registrations
        ],
        "consultations": [
            {
                "reference": c.reference,
                "enterprise": c.enterprise.name,
                "service": c.service,
                "topic": c.topic,
                "description": c.description,
                "state": c.state,
                "starts_at": _iso(c.starts_at),
                "ends_at": _iso(c.ends_at),
                "contact_name": c.contact_name,
                "contact_phone": c.contact_phone,
                "requested_at": _iso(c.created_at),
            }
            for c in consultations
        ],
        "lab_visits": [
            {
                "lab": v.slot.lab.name,
                "enterprise": v.enterprise.name,
                "starts_at": _iso(v.slot.starts_at),
                "ends_at": _iso(v.slot.ends_at),
                "state": v.state,
                "group_size": v.group_size,
                "purpose": v.purpose,
                "visitor_names": v.visitor_names,
                "contact_name": v.contact_name,
                "contact_phone": v.contact_phone,
                "ticket_code": v.ticket_code,
                "requested_at": _iso(v.created_at),
            }
            for v in lab_visits
        ],
        "notifications": [
            {
                "subject": n.subject,
                "body": n.body,
                "link": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
    }
    audit_log(
        instance=user,
        action=PRIVACY_EXPORT,
        by=user,
        data={
            "user_id": user.pk,
            **{kind: len(export[kind]) for kind in EXPORT_COUNTED},
        },
    )
    return export


# --- Deleting an account -----------------------------------------------------------------


def _has_open_bookings(user: AbstractBaseUser, now: datetime.datetime) -> bool:
    return (
        Registration.objects.filter(
            user=user, status__in=Registration.ACTIVE_STATUSES, session__ends_at__gt=now
        ).exists()
        or Consultation.objects.filter(requested_by=user, state__in=CONSULTATION_ACTIVE_STATES)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exists()
        or LabVisit.objects.filter(
            requested_by=user, state__in=LAB_VISIT_HOLDING_STATES, slot__ends_at__gt=now
        ).exists()
    )


def _memberships_end(user: AbstractBaseUser) -> None:
    """Remove the user's memberships. An owner hands the enterprise to its longest-standing
    approved member, if there is one; otherwise the enterprise stays without an owner and
    its records stay with it (regulator staff can see them), but not its contact person's
    name and phone: with nobody left to act for it, they are nobody's to keep."""
    for membership in Membership.objects.select_for_update().filter(user=user):
        was_owner = (
            membership.role == Membership.Role.OWNER
            and membership.status == Membership.Status.APPROVED
        )
        enterprise_id = membership.enterprise_id
        # Deleted before the successor is promoted: one owner per enterprise is a constraint.
        membership.delete()
        if not was_owner:
            continue
        successor = (
            Membership.objects.select_for_update()
            .filter(enterprise_id=enterprise_id, status=Membership.Status.APPROVED)
            .order_by("created_at", "pk")
            .first()
        )
        if successor is not None:
            successor.role = Membership.Role.OWNER
            successor.save(update_fields=["role", "updated_at"])
        else:
            Enterprise.objects.filter(pk=enterprise_id).update(
                contact_name="", contact_phone="", updated_at=timezone.now()
            )


def _account_scrub(user: AbstractBaseUser) -> None:
    """Keep the row (bookings point at it with PROTECT) but nothing that identifies the
    person, and make it impossible to sign in with."""
    user.username = f"deleted-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    # Also invalidates the sessions of every other device (the session hash changes).
    user.set_unusable_password()
    user.save()


def account_delete(*, user: AbstractBaseUser, password: str) -> bool:
    """Delete the signed-in ``user``'s account after checking their password.

    Their registrations, consultation requests and lab visit requests are anonymised
    (not deleted: statistics and the enterprises' records stay), their memberships and
    institution-contact roles end, their notifications and preferences are deleted. The
    user row is deleted when nothing protects it; consultations and lab visits point at
    their requester with ``PROTECT``, so then the row stays, scrubbed and deactivated.
    Returns True if the row was deleted.

    Error codes: ``wrong_password``; ``staff`` (accounts that may use the admin are
    closed by an administrator: they sign page revisions and audit trails);
    ``open_bookings`` (registrations, consultations or lab visits still to come must be
    cancelled first).
    """
    if not user.check_password(password):
        raise PrivacyError(_("The password is not correct."), code="wrong_password")
    if user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"):
        raise PrivacyError(
            _("Staff accounts are closed by an administrator of the portal."), code="staff"
        )
    now = timezone.now()
    with transaction.atomic():
        # Locked so that a repeated request (a double click, two tabs) runs once at a time.
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if _has_open_bookings(user, now):
            raise PrivacyError(
                _(
                    "You still have registrations, consultations or lab visits to come. "
                    "Cancel them first, then delete your account."
                ),
                code="open_bookings",
            )
        Registration.objects.filter(user=user).update(**REGISTRATION_ANONYMOUS)
        Consultation.objects.filter(requested_by=user).update(**CONSULTATION_ANONYMOUS)
        LabVisit.objects.filter(requested_by=user).update(**LAB_VISIT_ANONYMOUS)
        _memberships_end(user)
        InstitutionContact.objects.filter(user=user).delete()
        Expert.objects.filter(user=user).update(user=None)
        Notification.objects.filter(user=user).delete()
        Preference.objects.filter(user=user).delete()
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            EmailAddress.objects.filter(user=user).delete()
        try:
            # Protected rows are found before anything is deleted; the savepoint is for
            # safety only.
            with transaction.atomic():
                user.delete()
            return True
        except ProtectedError:
            _account_scrub(user)
            return False
