"""Staff views in the Wagtail admin: registrations per session, exports, cancel and move.

Registered by ``events/wagtail_hooks.py`` under the admin menu group "Open day". Seeing
registrations needs ``events.view_registration``; cancelling or moving one needs
``events.change_registration``. Phone numbers are masked (138****1234) for anyone without
``events.view_full_phone``, on the pages and in the downloaded lists alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from events.exceptions import RegistrationError, SessionError
from events.models import NoShowWaiver, Registration, Session, SessionState
from events.selectors import registration_is_movable
from events.services.registration import noshow_waiver_create, registration_cancel
from events.services.session import session_cancel
from events.services.transfer import registration_move
from portal.admin_views import LocalSpreadsheetExportMixin, local_time
from portal.history import history_rows, user_name
from portal.phones import InvalidPhone, can_see_full_phone, phone_display, phone_normalise
from reminders.models import Broadcast, Reminder

Status = Registration.Status
URL_NAMESPACE = "open_day_registrations"


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


# --- Showing personal data ---------------------------------------------------------------


def email_display(email: str, *, user) -> str:
    """The e-mail in full for those who may see full phone numbers, else ``v***@example.com``."""
    if not email or can_see_full_phone(user):
        return email
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


# --- Reads for these pages ---------------------------------------------------------------


def _people(*statuses: str) -> Coalesce:
    return Coalesce(
        Sum("registrations__party_size", filter=Q(registrations__status__in=statuses)), 0
    )


def staff_session_list(*, include_past: bool = False) -> QuerySet[Session]:
    """Sessions with their counts in people, grouped by activity (tree order), one query."""
    sessions = (
        Session.objects.with_places()
        .annotate(
            people_waiting=_people(Status.WAITLISTED),
            people_checked_in=_people(Status.CHECKED_IN),
            session_cancelled_at=F("state__cancelled_at"),
        )
        .select_related("activity")
        .order_by("activity__path", "starts_at", "pk")
    )
    if not include_past:
        sessions = sessions.filter(ends_at__gte=timezone.now())
    return sessions


def staff_session_get(*, session_id: int) -> Session:
    return get_object_or_404(
        staff_session_list(include_past=True),
        pk=session_id,
    )


@dataclass
class NoticeProgress:
    """A session notice (``reminders.Broadcast``) as staff follow it: registrations planned
    out of the total, and messages sent out of those planned."""

    broadcast: object
    messages: int
    sent: int
    failed: int

    @property
    def percent_planned(self) -> int:
        total = self.broadcast.total
        return 100 if not total else min(100, round(100 * self.broadcast.planned / total))


def session_notice_list(*, session: Session) -> list[NoticeProgress]:
    """The session's notices, newest first, with their message counts (one query)."""
    broadcasts = (
        Broadcast.objects.filter(session=session)
        .select_related("created_by")
        .annotate(
            message_count=Count("reminders"),
            sent_count=Count("reminders", filter=Q(reminders__state=Reminder.State.SENT)),
            failed_count=Count("reminders", filter=Q(reminders__state=Reminder.State.FAILED)),
        )
        .order_by("-created_at", "-pk")
    )
    return [
        NoticeProgress(
            broadcast=b, messages=b.message_count, sent=b.sent_count, failed=b.failed_count
        )
        for b in broadcasts
    ]


@dataclass
class RegistrationRow:
    """A registration as staff see it: values prepared for the template and the exports."""

    registration: Registration
    phone: str
    position: int | None = None  # place in the waiting list, 1-based

    @property
    def pk(self) -> int:
        return self.registration.pk


@dataclass
class SessionSections:
    confirmed: list[RegistrationRow]
    waiting: list[RegistrationRow]
    checked_in: list[RegistrationRow]
    ended: list[RegistrationRow]  # cancelled or no-show


def session_sections(*, session: Session, user) -> SessionSections:
    registrations = session.registrations.select_related("checked_in_by").order_by(
        "created_at", "pk"
    )
    sections = SessionSections(confirmed=[], waiting=[], checked_in=[], ended=[])
    for registration in registrations:
        row = RegistrationRow(registration, phone_display(registration.phone, user=user))
        if registration.status == Status.CONFIRMED:
            sections.confirmed.append(row)
        elif registration.status == Status.WAITLISTED:
            # Promotion order is first come first served: created_at, then pk.
            row.position = len(sections.waiting) + 1
            sections.waiting.append(row)
        elif registration.status == Status.CHECKED_IN:
            sections.checked_in.append(row)
        else:
            sections.ended.append(row)
    sections.checked_in.sort(
        key=lambda row: row.registration.checked_in_at or row.registration.created_at
    )
    return sections


# --- Views ---------------------------------------------------------------------------------


class StaffPermissionMixin:
    """Refuse (403) users without ``permission_required``; every user reaching here already
    passed Wagtail's ``access_admin`` check."""

    permission_required = "events.view_registration"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def can_change(self) -> bool:
        return self.request.user.has_perm("events.change_registration")


class StaffPageMixin(StaffPermissionMixin, WagtailAdminTemplateMixin):
    header_icon = "list-ul"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Registrations")},
        ]


class SessionIndexView(StaffPageMixin, TemplateView):
    """Pick a session: every session grouped by activity, with its counts."""

    template_name = "events/admin/session_index.html"
    page_title = gettext_lazy("Registrations")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Registrations")}]

    def get_context_data(self, **kwargs):
        include_past = self.request.GET.get("show") == "all"
        return super().get_context_data(
            sessions=staff_session_list(include_past=include_past),
            include_past=include_past,
            **kwargs,
        )


class ExportColumnsMixin(LocalSpreadsheetExportMixin):
    """CSV and XLSX of a session's registrations, through Wagtail's spreadsheet export.

    Numbers stay numbers; times are local; phones follow the viewer's masking rule (a
    download with full phones is written to the audit log).
    """

    export_shows_phones = True

    list_export = [
        "ticket_code",
        "name",
        "phone",
        "party_size",
        "status",
        "source",
        "created_at",
        "checked_in_at",
    ]
    export_headings = {
        "ticket_code": gettext_lazy("Ticket code"),
        "name": gettext_lazy("Name"),
        "phone": gettext_lazy("Mobile phone"),
        "party_size": gettext_lazy("Party size"),
        "status": gettext_lazy("Status"),
        "source": gettext_lazy("Source"),
        "created_at": gettext_lazy("Registered at"),
        "checked_in_at": gettext_lazy("Checked in at"),
    }

    def to_row_dict(self, item: Registration) -> dict:
        return {
            "ticket_code": item.ticket_code or "",
            "name": item.name,
            "phone": phone_display(item.phone, user=self.request.user, grouped=False),
            "party_size": item.party_size,
            "status": item.get_status_display(),
            "source": item.get_source_display(),
            "created_at": item.created_at,
            "checked_in_at": item.checked_in_at,
        }


class SessionRegistrationsView(ExportColumnsMixin, StaffPageMixin, TemplateView):
    """One session's registrations: confirmed, waiting list, checked in, cancelled/no-show.
    ``?export=csv`` or ``?export=xlsx`` downloads the whole list."""

    template_name = "events/admin/session_registrations.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.session = staff_session_get(session_id=kwargs["session_id"])

    def get(self, request, *args, **kwargs):
        if self.is_export:
            registrations = self.session.registrations.order_by("created_at", "pk")
            return self.as_spreadsheet(registrations, request.GET["export"])
        return super().get(request, *args, **kwargs)

    def get_export_subject(self) -> Session:
        return self.session

    def get_filename(self) -> str:
        start = timezone.localtime(self.session.starts_at)
        return f"registrations-{start:%Y%m%d-%H%M}-session-{self.session.pk}"

    def get_page_title(self):
        return str(self.session)

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": str(self.session)}]

    def get_context_data(self, **kwargs):
        sections = session_sections(session=self.session, user=self.request.user)
        state = SessionState.objects.filter(session=self.session).select_related("cancelled_by")
        state = state.first()
        cancelled = state is not None and state.cancelled_at is not None
        return super().get_context_data(
            session_state=state if cancelled else None,
            cancel_form=(
                SessionCancelForm()
                if self.can_change and not cancelled and self.session.ends_at > timezone.now()
                else None
            ),
            cancel_url=url("session_cancel", self.session.pk),
            notices=session_notice_list(session=self.session),
            cancelled_by=user_name(state.cancelled_by) if cancelled else "",
            session=self.session,
            sections=[
                ("confirmed", _("Confirmed"), sections.confirmed),
                ("waiting", _("Waiting list"), sections.waiting),
                ("checked-in", _("Checked in"), sections.checked_in),
                ("ended", _("Cancelled or no-show"), sections.ended),
            ],
            can_change=self.can_change,
            full_phone=can_see_full_phone(self.request.user),
            csv_url=self.csv_export_url,
            xlsx_url=self.xlsx_export_url,
            **kwargs,
        )


class RegistrationMixin(StaffPageMixin):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.registration = get_object_or_404(
            Registration.objects.select_related("session__activity", "checked_in_by", "user"),
            pk=kwargs["pk"],
        )

    def get_page_title(self):
        return _("Registration %(code)s") % {"code": self.registration.ticket_code or "-"}

    def get_breadcrumbs_items(self):
        session = self.registration.session
        return [
            *super().get_breadcrumbs_items(),
            {"url": url("session", session.pk), "label": str(session)},
            {"url": url("registration", self.registration.pk), "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        registration = self.registration
        return super().get_context_data(
            registration=registration,
            session=registration.session,
            phone=phone_display(registration.phone, user=self.request.user),
            email=email_display(registration.email, user=self.request.user),
            movable=registration_is_movable(registration),
            can_change=self.can_change,
            **kwargs,
        )


class RegistrationDetailView(RegistrationMixin, TemplateView):
    """A registration and its history: who changed it, when, from what to what."""

    template_name = "events/admin/registration_detail.html"

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        items[-1] = {"url": "", "label": items[-1]["label"]}
        return items

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            history=history_rows(
                self.registration.changes.all(), state_labels=dict(Status.choices)
            ),
            checked_in_by=user_name(self.registration.checked_in_by),
            **kwargs,
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy("Kept in the registration's history."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session: Session) -> str:
        if session.capacity is None:
            return _("%(when)s (no limit on places)") % {"when": local_time(session.starts_at)}
        return _("%(when)s (%(left)d of %(capacity)d places left)") % {
            "when": local_time(session.starts_at),
            "left": session.places_left,
            "capacity": session.capacity,
        }


class MoveForm(forms.Form):
    to_session = SessionChoiceField(
        label=gettext_lazy("Move to session"), queryset=Session.objects.none()
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Optional; kept in the registration's history."),
    )

    def __init__(self, *args, registration: Registration, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_session"].queryset = (
            Session.objects.with_places()
            .filter(activity_id=registration.session.activity_id, state__cancelled_at__isnull=True)
            .exclude(pk=registration.session_id)
            .order_by("starts_at", "pk")
        )


class RegistrationActionView(RegistrationMixin, FormView):
    """GET shows the confirmation form; POST (CSRF-protected) calls the service."""

    permission_required = "events.change_registration"

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except RegistrationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return url("registration", self.registration.pk)


class RegistrationCancelView(RegistrationActionView):
    template_name = "events/admin/registration_cancel.html"
    form_class = CancelForm

    def get_page_title(self):
        return _("Cancel registration %(code)s") % {"code": self.registration.ticket_code or "-"}

    def perform(self, form) -> str:
        # The service notifies the registrant ("cancelled") and everyone it promotes
        # ("promoted") after commit.
        promoted = registration_cancel(
            registration_id=self.registration.pk,
            by=self.request.user,
            note=form.cleaned_data["reason"],
        )
        if promoted:
            return _(
                "Registration %(code)s cancelled; %(count)d promoted from the waiting list."
            ) % {"code": self.registration.ticket_code, "count": len(promoted)}
        return _("Registration %(code)s cancelled.") % {"code": self.registration.ticket_code}


class RegistrationMoveView(RegistrationActionView):
    template_name = "events/admin/registration_move.html"
    form_class = MoveForm

    def get_page_title(self):
        return _("Move registration %(code)s") % {"code": self.registration.ticket_code or "-"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "registration": self.registration}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_targets"] = context["form"].fields["to_session"].queryset.exists()
        return context

    def perform(self, form) -> str:
        moved = registration_move(
            registration_id=self.registration.pk,
            to_session_id=form.cleaned_data["to_session"].pk,
            by=self.request.user,
            note=form.cleaned_data["note"],
        )
        return _("Registration %(code)s moved to %(session)s.") % {
            "code": moved.ticket_code,
            "session": local_time(moved.session.starts_at),
        }


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy(
            "Sent to every registrant with the cancellation notice, and kept in each "
            "registration's history."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Set by the confirmation page's button: the first submission only shows what will
    # happen, the second one cancels.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SessionCancelView(StaffPageMixin, FormView):
    """Cancel a whole session: POST the reason, check the confirmation page, POST again.

    The service marks the session cancelled and starts the notice to every registrant;
    its progress shows on the session's page.
    """

    permission_required = "events.change_registration"
    template_name = "events/admin/session_cancel.html"
    form_class = SessionCancelForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.session = staff_session_get(session_id=kwargs["session_id"])

    def get_page_title(self):
        return _("Cancel session %(session)s") % {"session": self.session}

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": url("session", self.session.pk), "label": str(self.session)},
            {"url": "", "label": _("Cancel this session")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            session=self.session,
            confirming=form.is_bound and form.is_valid() and not form.errors,
            registrations_to_notify=self.session.registrations.filter(
                status__in=(Status.CONFIRMED, Status.WAITLISTED)
            ).count(),
            back_url=url("session", self.session.pk),
        )
        return context

    def form_valid(self, form):
        if not form.cleaned_data["confirmed"]:
            # The confirmation step: the same form again, with the reason kept.
            data = form.data.copy()
            data["confirmed"] = "on"
            confirm_form = self.form_class(data)
            confirm_form.is_valid()
            return self.render_to_response(self.get_context_data(form=confirm_form))
        try:
            broadcast = session_cancel(
                session_id=self.session.pk,
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except SessionError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form, failed=True))
        messages.success(
            self.request,
            _("Session cancelled. %(count)d registrations are being cancelled and notified.")
            % {"count": broadcast.total},
        )
        return redirect(url("session", self.session.pk))


# --- No-show restrictions lifted (a ModelViewSet's index and create views) ---------------


class NoShowWaiverForm(forms.ModelForm):
    class Meta:
        model = NoShowWaiver
        fields = ["phone", "note"]
        help_texts = {
            "phone": gettext_lazy(
                "Earlier no-shows of this number stop counting: it may register normally again."
            ),
        }

    def __init__(self, *args, **kwargs):
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class NoShowWaiverCreateView(generic.CreateView):
    def save_instance(self):
        # Through the service (which writes the audit entry) rather than Wagtail's generic
        # create action, whose own log entry would be labelled with the (masked) phone number.
        return noshow_waiver_create(
            phone=self.form.cleaned_data["phone"],
            note=self.form.cleaned_data["note"],
            by=self.request.user,
        )

    def get_success_buttons(self):
        # Waivers are not edited after the fact; there is no edit view to link to.
        return []
