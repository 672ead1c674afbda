"""The audit log of staff actions (``portal.audit``): each action, done through the pages
staff use, writes one Wagtail log entry naming the action, the staff member and the
object, with data free of the public's names, phone numbers and e-mail addresses; and
*Reports → Site history* lists it, filtered by action and by user."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import querydict_from_html

from consultations.models import ConsultationAttachment
from consultations.services import booking
from events.models import ActivityPage, NoShowWaiver, Registration, Session
from labvisits.services import lab_visit_decide
from tests import factories
from tests.consultations.test_booking_support import PDF, World, upload
from tests.labvisits.conftest import make_institution, request_visit

SITE_HISTORY = reverse("wagtailadmin_reports:site_history")
AUDIT_LOG = reverse("portal_audit_log")
PHONE = "+8613912345678"
FULL = "13912345678"
NAME = "陈小红"
EMAIL = "chen.xiaohong@example.com"


# --- Helpers ---------------------------------------------------------------------------------


def the_entry(action: str, *, user, instance) -> ModelLogEntry:
    """The one entry of ``action``, by ``user``, about ``instance``."""
    [entry] = ModelLogEntry.objects.filter(action=action)
    assert entry.user_id == user.pk
    assert entry.content_type == ContentType.objects.get_for_model(instance)
    assert entry.object_id == str(instance.pk)
    return entry


def assert_no_personal_data(entry: ModelLogEntry, *values: str) -> None:
    text = json.dumps(entry.data, ensure_ascii=False) + entry.label
    for value in (FULL, NAME, EMAIL, *values):
        assert value not in text, value


def assert_listed_in_site_history(client, entry: ModelLogEntry, auditor, other_staff) -> None:
    """The administrators' audit log, filtered by the entry's action and user, lists it;
    filtered by another user who did the same action, it does not. Wagtail's Site history,
    filtered by the action, lists it too."""
    decoy = ModelLogEntry.objects.create(
        content_type=entry.content_type,
        object_id=entry.object_id,
        label="#decoy",
        action=entry.action,
        user=other_staff,
        timestamp=timezone.now(),
        data={},
    )
    client.force_login(auditor)

    response = client.get(AUDIT_LOG, {"action": entry.action, "user": entry.user_id})
    assert response.status_code == 200
    filters = response.context["filters"]
    assert filters.is_valid(), filters.errors
    assert entry.action in dict(filters.form.fields["action"].choices)
    assert {entry.user_id, other_staff.pk} <= {u.pk for u in filters.form.fields["user"].queryset}
    assert [e.pk for e in response.context["object_list"]] == [entry.pk]
    with translation.override("en"):  # the auditor's admin speaks English
        assert str(entry.message) in response.content.decode()

    response = client.get(AUDIT_LOG, {"action": entry.action, "user": other_staff.pk})
    assert [e.pk for e in response.context["object_list"]] == [decoy.pk]

    response = client.get(SITE_HISTORY, {"action": entry.action})
    assert response.status_code == 200
    assert response.context["filters"].is_valid()
    assert {decoy.pk, entry.pk} <= {e.pk for e in response.context["object_list"]}


@pytest.fixture
def other_staff(db):
    return factories.UserFactory(username="other-approver", groups=["Regulator approvers"])


@pytest.fixture
def activity(site_tree):
    return factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="计量实验室参观")


def make_session(activity, *, hours: float = 72) -> Session:
    starts = (timezone.now() + datetime.timedelta(hours=hours)).replace(second=0, microsecond=0)
    return factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=10,
        max_party_size=4,
    )


@pytest.fixture
def session(activity):
    return make_session(activity)


@pytest.fixture
def registration(session):
    return factories.RegistrationFactory(
        session=session, name=NAME, phone=PHONE, email=EMAIL, ticket_code="AUDT2222"
    )


def admin_url(name: str, *args) -> str:
    return reverse(f"open_day_registrations:{name}", args=args)


# --- Enterprises -----------------------------------------------------------------------------


def test_verifying_an_enterprise_and_removing_the_mark_are_audited(
    client, staff_approver, superuser, other_staff
):
    enterprise = factories.EnterpriseFactory(contact_name=NAME, contact_phone=PHONE)
    client.force_login(staff_approver)
    url = reverse("enterprise_services_enterprises:verify", args=[enterprise.pk])

    assert client.post(url).status_code == 302
    entry = the_entry("enterprises.enterprise_verify", user=staff_approver, instance=enterprise)
    assert entry.data["enterprise_id"] == enterprise.pk
    assert entry.label == enterprise.name
    assert_no_personal_data(entry)

    assert client.post(url).status_code == 302
    removed = the_entry("enterprises.enterprise_unverify", user=staff_approver, instance=enterprise)
    assert_no_personal_data(removed)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_a_refused_verification_writes_no_entry(client, staff_approver):
    factories.EnterpriseFactory(name="同名公司", is_verified=True)
    second = factories.EnterpriseFactory(name="同名公司")
    client.force_login(staff_approver)

    client.post(reverse("enterprise_services_enterprises:verify", args=[second.pk]))

    assert not ModelLogEntry.objects.filter(action__startswith="enterprises.").exists()


# --- Open day: sessions and registrations ----------------------------------------------------


def test_cancelling_a_session_is_audited_with_the_reason_and_the_count(
    client, staff_approver, superuser, other_staff, session, registration
):
    factories.RegistrationFactory(session=session)
    client.force_login(staff_approver)

    response = client.post(
        admin_url("session_cancel", session.pk), {"reason": "停电检修", "confirmed": "on"}
    )

    assert response.status_code == 302
    entry = the_entry("events.session_cancel", user=staff_approver, instance=session)
    assert entry.data["registrations"] == 2
    assert entry.data["reason"] == "停电检修"
    assert entry.label == str(session)
    assert_no_personal_data(entry, registration.ticket_code)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_publishing_a_new_session_time_is_audited(
    client, staff_approver, superuser, other_staff, activity, session, registration
):
    client.force_login(staff_approver)
    edit = reverse("wagtailadmin_pages:edit", args=[activity.pk])
    data = querydict_from_html(client.get(edit).content.decode(), form_id="page-edit-form")
    prefix = next(
        f"sessions-{i}"
        for i in range(int(data["sessions-TOTAL_FORMS"]))
        if data.get(f"sessions-{i}-id") == str(session.pk)
    )
    for field in ("starts_at", "ends_at"):
        moment = datetime.datetime.fromisoformat(data[f"{prefix}-{field}"])
        data[f"{prefix}-{field}"] = f"{moment + datetime.timedelta(hours=3):%Y-%m-%d %H:%M}"
    data["action-publish"] = "action-publish"

    response = client.post(edit, data)

    assert response.status_code == 302
    moved = Session.objects.get(pk=session.pk)
    assert moved.starts_at == session.starts_at + datetime.timedelta(hours=3)
    entry = the_entry("events.session_move", user=staff_approver, instance=session)
    assert entry.data["registrations"] == 1
    assert entry.data["from"] != entry.data["to"]
    assert_no_personal_data(entry)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_publishing_without_a_time_change_writes_no_entry(client, staff_approver, activity):
    make_session(activity)
    ActivityPage.objects.get(pk=activity.pk).save_revision(user=staff_approver).publish()
    assert not ModelLogEntry.objects.filter(action="events.session_move").exists()


def test_moving_a_registration_is_audited(
    client, staff_approver, superuser, other_staff, activity, session, registration
):
    target = make_session(activity, hours=96)
    client.force_login(staff_approver)

    response = client.post(
        admin_url("move", registration.pk), {"to_session": target.pk, "note": "本人来电"}
    )

    assert response.status_code == 302
    entry = the_entry("events.registration_move", user=staff_approver, instance=registration)
    assert (entry.data["from_session_id"], entry.data["to_session_id"]) == (session.pk, target.pk)
    assert entry.data["note"] == "本人来电"
    assert entry.label == f"#{registration.pk}"
    assert_no_personal_data(entry, registration.ticket_code)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_lifting_a_no_show_restriction_is_audited_without_the_phone(
    client, staff_approver, superuser, other_staff, session
):
    factories.RegistrationFactory(
        session=session, phone=PHONE, name=NAME, status=Registration.Status.NO_SHOW
    )
    client.force_login(staff_approver)

    response = client.post(
        reverse("open_day_noshow_waivers:add"), {"phone": FULL, "note": "因病缺席，已核实"}
    )

    assert response.status_code == 302
    waiver = NoShowWaiver.objects.get()
    assert waiver.created_by == staff_approver
    entry = the_entry("events.noshow_lift", user=staff_approver, instance=waiver)
    assert entry.data == {"waiver_id": waiver.pk, "no_shows": 1, "reason": "因病缺席，已核实"}
    assert_no_personal_data(entry, "5678")
    # Wagtail's generic "created" entry (labelled with the masked phone) is not written.
    assert not ModelLogEntry.objects.filter(action="wagtail.create").exists()
    assert_listed_in_site_history(client, entry, superuser, other_staff)


# --- Check-in outside the window ---------------------------------------------------------------


@pytest.fixture
def supervisor(db):
    """Check-in staff who is also a regulator approver: may override the window."""
    return factories.UserFactory(username="chief", groups=["Check-in staff", "Regulator approvers"])


def test_a_registration_checked_in_outside_its_window_is_audited(
    client, supervisor, superuser, other_staff, activity
):
    early = make_session(activity, hours=5)  # check-in opens 2 hours before the start
    registration = factories.RegistrationFactory(
        session=early, name=NAME, phone=PHONE, ticket_code="OVER2222"
    )
    with translation.override("en"):
        url = reverse("events:checkin_ticket", kwargs={"session_id": early.pk})
    client.force_login(supervisor)

    inside = client.post(url, {"ticket": "OVER2222"})
    assert inside.status_code == 409  # too early, and no override asked for: nothing logged
    assert not ModelLogEntry.objects.filter(action="events.checkin_override").exists()

    done = client.post(url, {"ticket": "OVER2222", "override": "1", "reason": "Speaker setup"})

    assert done.status_code == 302
    entry = the_entry("events.checkin_override", user=supervisor, instance=registration)
    assert entry.data["refusal"] == "too_early"
    assert entry.data["reason"] == "Speaker setup"
    assert entry.data["session_id"] == early.pk
    assert_no_personal_data(entry, "OVER2222")
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_a_check_in_inside_the_window_writes_no_entry(client, supervisor, activity):
    now_open = make_session(activity, hours=1)
    factories.RegistrationFactory(session=now_open, ticket_code="OPEN2222")
    with translation.override("en"):
        url = reverse("events:checkin_ticket", kwargs={"session_id": now_open.pk})
    client.force_login(supervisor)

    assert client.post(url, {"ticket": "OPEN2222"}).status_code == 302
    assert not ModelLogEntry.objects.filter(action="events.checkin_override").exists()


def test_a_lab_visit_checked_in_outside_its_window_is_audited(
    client, site_tree, supervisor, superuser, other_staff
):
    institution = make_institution(site_tree, 7)
    member = factories.UserFactory(username="ent_audit")
    member.enterprise = factories.EnterpriseFactory(owner=member)
    visit = request_visit(member, institution.slot, contact_name=NAME, contact_phone=PHONE)
    visit = lab_visit_decide(visit=visit, by=institution.contact, approve=True)
    with translation.override("en"):
        url = reverse("labvisits:checkin_visit_ticket", kwargs={"slot_id": institution.slot.pk})
    client.force_login(supervisor)

    done = client.post(
        url, {"ticket": visit.ticket_code, "override": "1", "reason": "group came early"}
    )

    assert done.status_code == 302
    entry = the_entry("labvisits.checkin_override", user=supervisor, instance=visit)
    assert (entry.data["refusal"], entry.data["reason"]) == ("too_early", "group came early")
    assert entry.data["slot_id"] == institution.slot.pk
    assert_no_personal_data(entry, "王一", visit.ticket_code)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


# --- Exports with full phone numbers -----------------------------------------------------------


def test_a_session_list_exported_with_full_phones_is_audited(
    client, staff_approver, superuser, other_staff, session, registration
):
    client.force_login(staff_approver)

    response = client.get(admin_url("session", session.pk), {"export": "xlsx"})

    assert response.status_code == 200
    entry = the_entry("portal.export_full_phones", user=staff_approver, instance=session)
    assert entry.data["format"] == "xlsx" and entry.data["rows"] == 1
    assert entry.data["model"] == "events.session"
    assert_no_personal_data(entry)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_a_masked_export_writes_no_entry(client, staff_editor, session, registration):
    client.force_login(staff_editor)
    response = client.get(admin_url("session", session.pk), {"export": "csv"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    assert not ModelLogEntry.objects.filter(action="portal.export_full_phones").exists()


@pytest.mark.parametrize(
    ("namespace", "model"),
    [
        ("enterprise_services_consultations", "consultations.consultation"),
        ("enterprise_services_lab_visits", "labvisits.labvisit"),
    ],
)
def test_enterprise_service_lists_exported_with_full_phones_are_audited_with_filters(
    client, site_tree, staff_approver, superuser, other_staff, namespace, model
):
    if model == "consultations.consultation":
        factories.ConsultationFactory(contact_name=NAME, contact_phone=PHONE)
    else:
        lab = factories.LabFactory(institution=make_institution(site_tree, 8).page)
        slot = factories.VisitSlotFactory(lab=lab)
        factories.LabVisitFactory(slot=slot, contact_name=NAME, contact_phone=PHONE)
    client.force_login(staff_approver)

    response = client.get(
        reverse(f"{namespace}:index"), {"export": "csv", "state": "requested", "q": FULL}
    )

    assert response.status_code == 200
    content_type = ContentType.objects.get_by_natural_key(*model.split("."))
    entry = the_entry("portal.export_full_phones", user=staff_approver, instance=content_type)
    assert entry.data["model"] == model and entry.data["format"] == "csv"
    # The search text is recorded as "searched" only: staff search by phone or name.
    assert entry.data["filters"] == {"searched": True, "state": ["requested"]}
    assert_no_personal_data(entry)
    assert_listed_in_site_history(client, entry, superuser, other_staff)


# --- Attachments and personal-data exports -----------------------------------------------------


def test_an_attachment_downloaded_by_the_expert_or_staff_is_audited(
    client, site_tree, superuser, other_staff
):
    world = World()
    consultation = booking.consultation_request(
        enterprise=world.enterprise,
        user=world.owner,
        service="consulting",
        topic="t",
        description="d",
        contact_name=NAME,
        contact_phone=PHONE,
        slot=world.slot(),
        files=[upload(f"{NAME}身份证.pdf", PDF)],
    )
    attachment = consultation.attachments.get()
    with translation.override("zh-hans"):
        link = reverse(
            "consultations:attachment",
            kwargs={"reference": consultation.reference, "token": attachment.token},
        )

    client.force_login(world.owner)  # the enterprise opening its own file: not audited
    assert client.get(link).status_code == 200
    assert not ModelLogEntry.objects.filter(action="consultations.attachment_download").exists()

    client.force_login(world.expert_user)
    assert client.get(link).status_code == 200

    entry = the_entry(
        "consultations.attachment_download", user=world.expert_user, instance=attachment
    )
    assert entry.data["attachment_id"] == attachment.pk
    assert entry.data["as"] == ["expert"]
    assert_no_personal_data(entry, "身份证", attachment.token)
    assert isinstance(attachment, ConsultationAttachment)

    client.force_login(world.staff)
    assert client.get(link).status_code == 200
    staff_entry = ModelLogEntry.objects.get(
        action="consultations.attachment_download", user=world.staff
    )
    assert staff_entry.data["as"] == ["staff"]
    assert_listed_in_site_history(client, entry, superuser, other_staff)


def test_a_personal_data_export_is_audited_with_counts_only(
    client, site_tree, superuser, other_staff, registration
):
    visitor = factories.UserFactory(username="visitor", first_name=NAME, email=EMAIL)
    registration.user = visitor
    registration.save(update_fields=["user"])
    client.force_login(visitor)

    response = client.get("/en/accounts/my-data/download/")

    assert response.status_code == 200
    entry = the_entry("portal.privacy_export", user=visitor, instance=visitor)
    assert entry.data["registrations"] == 1 and entry.data["consultations"] == 0
    assert entry.label == f"#{visitor.pk}"
    assert_no_personal_data(entry, "visitor")
    assert_listed_in_site_history(client, entry, superuser, other_staff)


# --- Who sees the entries ------------------------------------------------------------------------


def test_the_audit_log_is_for_administrators_and_lists_audit_actions_only(
    client, staff_approver, superuser, session, registration
):
    client.force_login(staff_approver)
    client.get(admin_url("session", session.pk), {"export": "csv"})
    export = ModelLogEntry.objects.get(action="portal.export_full_phones")
    other = ModelLogEntry.objects.create(
        content_type=export.content_type,
        object_id=export.object_id,
        label="#other",
        action="wagtail.edit",
        user=staff_approver,
        timestamp=timezone.now(),
        data={},
    )

    refused = client.get(AUDIT_LOG)
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert AUDIT_LOG not in home

    client.force_login(superuser)
    response = client.get(AUDIT_LOG)
    assert [e.pk for e in response.context["object_list"]] == [export.pk]
    assert other.pk not in [e.pk for e in response.context["object_list"]]
    download = client.get(AUDIT_LOG, {"export": "csv"})
    assert download.status_code == 200
    rows = b"".join(download.streaming_content).decode("utf-8-sig")
    label = str(log_action_registry.get_action_label("portal.export_full_phones"))
    assert label in rows and f"{export.label}," in rows and "#other" not in rows
    assert AUDIT_LOG in client.get(reverse("wagtailadmin_home")).content.decode()
