"""Lab-visit rules: places held from the request, decisions, cancellation, check-in,
slots, notifications and the rush for the last places."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from icalendar import Calendar

from inbox.models import Notification
from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, LabVisitChange, VisitSlot
from labvisits.selectors import slot_places_taken
from labvisits.services import (
    lab_visit_cancel,
    lab_visit_checkin,
    lab_visit_checkin_ticket,
    lab_visit_decide,
    visit_slot_create,
    visit_slot_delete,
)
from tests import factories
from tests.concurrency import run_at_once
from tests.labvisits.conftest import make_institution, request_visit

State = LabVisit.State


def history(visit) -> list[tuple[str, str, str]]:
    return list(
        LabVisitChange.objects.filter(visit=visit).values_list("event", "from_state", "to_state")
    )


def raises(code: str, func, **kwargs):
    with pytest.raises(LabVisitError) as error:
        func(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# ---- Request ------------------------------------------------------------------------------


def test_request_holds_places_and_notifies_contacts(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot, group_size=4)

    assert visit.state == State.REQUESTED
    assert len(visit.ticket_code) == 8
    assert slot_places_taken(slot=inst_a.slot) == 4
    assert history(visit) == [("requested", "", "requested")]
    note = Notification.objects.get(user=inst_a.contact)
    assert "汽车实验室1" in note.subject and note.url == f"/zh-hans/lab-visits/{visit.pk}/"


def test_request_refused_when_not_enough_places_says_how_many_left(inst_a, member_a, member_b):
    request_visit(member_a, inst_a.slot, group_size=8)
    error = raises(
        "full",
        request_visit,
        user=member_b,
        slot=inst_a.slot,
        group_size=3,
    )
    assert "2" in error.message
    # A group that fits still gets in.
    assert request_visit(member_b, inst_a.slot, group_size=2).state == State.REQUESTED
    assert slot_places_taken(slot=inst_a.slot) == 10


def test_request_rules(inst_a, member_a):
    raises("group_too_large", request_visit, user=member_a, slot=inst_a.slot, group_size=9)
    raises("group_too_large", request_visit, user=member_a, slot=inst_a.slot, group_size=0)

    request_visit(member_a, inst_a.slot)
    raises("duplicate", request_visit, user=member_a, slot=inst_a.slot)

    past = factories.VisitSlotFactory(
        lab=inst_a.lab,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    raises("past", request_visit, user=member_a, slot=past)

    inst_a.lab.accepts_visits = False
    inst_a.lab.save()
    other = factories.VisitSlotFactory(lab=inst_a.lab)
    raises("not_accepting", request_visit, user=member_a, slot=other)


def test_request_by_a_user_outside_the_enterprise_is_forbidden(inst_a, member_a):
    stranger = factories.UserFactory()
    stranger.enterprise = member_a.enterprise
    raises("forbidden", request_visit, user=stranger, slot=inst_a.slot)


def test_request_again_after_cancelling(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    lab_visit_cancel(visit=visit, by=member_a, reason="换时间")
    again = request_visit(member_a, inst_a.slot)
    assert again.pk != visit.pk and again.ticket_code != visit.ticket_code


# ---- Decide ------------------------------------------------------------------------------


def test_approve_records_and_notifies_requester_with_ics_and_ticket_link(
    inst_a, member_a, mailoutbox, django_capture_on_commit_callbacks
):
    visit = request_visit(member_a, inst_a.slot)
    with django_capture_on_commit_callbacks(execute=True):
        lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)

    visit.refresh_from_db()
    assert visit.state == State.APPROVED and visit.decided_by == inst_a.contact
    assert history(visit)[-1] == ("approved", "requested", "approved")
    note = Notification.objects.get(user=member_a)
    assert note.url == f"/zh-hans/lab-visits/{visit.pk}/ticket/"
    assert "批准" in note.subject or "approved" in note.subject.lower()
    assert visit.ticket_code in note.body
    event = Calendar.from_ical(note.ics).walk("VEVENT")[0]
    assert str(event["uid"]).startswith(f"labvisit-{visit.ticket_code}@")
    assert note.ics_method == "PUBLISH"
    mail = next(m for m in mailoutbox if m.to == [member_a.email])
    assert mail.attachments and mail.attachments[0][0] == "invite.ics"
    # The requester is greeted as the contact person named on the request (王经理); the
    # lab's contact, whose account has no name, neutrally; never by a login name.
    assert note.body.startswith("尊敬的王经理：") and member_a.username not in note.body
    to_contact = Notification.objects.get(user=inst_a.contact).body
    assert to_contact.startswith("您好：") and inst_a.contact.username not in to_contact


def test_decline_needs_a_reason_and_frees_the_places(inst_a, member_a, member_b):
    visit = request_visit(member_a, inst_a.slot, group_size=8)
    raises("reason_required", lab_visit_decide, visit=visit, by=inst_a.contact, approve=False)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=False, reason="当天设备检修")

    visit.refresh_from_db()
    assert visit.state == State.DECLINED and visit.decline_reason == "当天设备检修"
    assert slot_places_taken(slot=inst_a.slot) == 0
    assert request_visit(member_b, inst_a.slot, group_size=8).state == State.REQUESTED
    note = Notification.objects.get(user=member_a)
    assert "当天设备检修" in note.body and note.ics == ""


def test_forbidden_and_repeated_decisions(inst_a, inst_b, member_a):
    visit = request_visit(member_a, inst_a.slot)
    # A contact of another institution and the enterprise itself cannot decide.
    raises("forbidden", lab_visit_decide, visit=visit, by=inst_b.contact, approve=True)
    raises("forbidden", lab_visit_decide, visit=visit, by=member_a, approve=True)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    raises("not_pending", lab_visit_decide, visit=visit, by=inst_a.contact, approve=True)
    raises(
        "not_pending",
        lab_visit_decide,
        visit=visit,
        by=inst_a.contact,
        approve=False,
        reason="x",
    )


def test_staff_with_permission_may_decide(inst_a, member_a, superuser):
    visit = request_visit(member_a, inst_a.slot)
    assert lab_visit_decide(visit=visit, by=superuser, approve=True).state == State.APPROVED


def test_contact_linked_to_the_translation_counts_as_contact(inst_a, member_a):
    contact_en = factories.InstitutionContactFactory(institution=inst_a.page_en).user
    visit = request_visit(member_a, inst_a.slot)
    assert lab_visit_decide(visit=visit, by=contact_en, approve=True).state == State.APPROVED


def test_approve_after_the_slot_started_is_refused(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    later = inst_a.slot.starts_at + datetime.timedelta(minutes=1)
    raises("past", lab_visit_decide, visit=visit, by=inst_a.contact, approve=True, now=later)


# ---- Cancel ------------------------------------------------------------------------------


def test_enterprise_cancels_approved_visit_contacts_are_told(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    raises("reason_required", lab_visit_cancel, visit=visit, by=member_a, reason=" ")
    lab_visit_cancel(visit=visit, by=member_a, reason="行程有变")

    visit.refresh_from_db()
    assert visit.state == State.CANCELLED and visit.cancel_reason == "行程有变"
    assert slot_places_taken(slot=inst_a.slot) == 0
    assert history(visit)[-1] == ("cancelled", "approved", "cancelled")
    assert Notification.objects.filter(user=inst_a.contact, body__contains="行程有变").exists()


def test_institution_cancels_requester_gets_calendar_cancel(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    lab_visit_cancel(visit=visit, by=inst_a.contact, reason="停电")
    note = Notification.objects.filter(user=member_a).latest("pk")
    assert note.ics_method == "CANCEL"
    calendar = Calendar.from_ical(note.ics)
    assert str(calendar["method"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2


def test_forbidden_cancellations(inst_a, inst_b, member_a, member_b):
    visit = request_visit(member_a, inst_a.slot)
    raises("forbidden", lab_visit_cancel, visit=visit, by=member_b, reason="x")
    raises("forbidden", lab_visit_cancel, visit=visit, by=inst_b.contact, reason="x")
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=False, reason="满了")
    raises("not_cancellable", lab_visit_cancel, visit=visit, by=member_a, reason="x")


def test_cancel_after_start_or_after_checkin_is_refused(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    later = inst_a.slot.starts_at + datetime.timedelta(minutes=5)
    raises("past", lab_visit_cancel, visit=visit, by=member_a, reason="x", now=later)
    lab_visit_checkin(visit=visit, by=inst_a.contact, now=later)
    raises("not_cancellable", lab_visit_cancel, visit=visit, by=member_a, reason="x")


# ---- Check-in -----------------------------------------------------------------------------


def test_repeated_checkin_is_refused_with_time_and_staff_and_recorded_once(
    inst_a, member_a, checkin_staff
):
    visit = request_visit(member_a, inst_a.slot)
    now = inst_a.slot.starts_at
    raises("not_approved", lab_visit_checkin, visit=visit, by=checkin_staff, now=now)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)

    first = lab_visit_checkin(visit=visit, by=checkin_staff, now=now)
    with translation.override("en"):
        error = raises(
            "already_checked_in",
            lab_visit_checkin,
            visit=visit,
            by=inst_a.contact,
            now=now + datetime.timedelta(minutes=5),
        )
    local = timezone.localtime(now)
    who = checkin_staff.get_full_name() or checkin_staff.username
    assert error.message == f"Already checked in at {local:%H:%M} by {who}."
    visit.refresh_from_db()
    assert visit.checked_in_at == first.checked_in_at and visit.checked_in_by == checkin_staff
    assert [h[0] for h in history(visit)] == ["requested", "approved", "checked_in"]


def test_checkin_by_ticket_rules(inst_a, inst_b, member_a, member_b, checkin_staff):
    from portal.tickets import qr_token_make

    visit = request_visit(member_a, inst_a.slot)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    declined = request_visit(member_b, inst_a.slot)
    lab_visit_decide(visit=declined, by=inst_a.contact, approve=False, reason="x")
    token = qr_token_make(visit.ticket_code)

    now = inst_a.slot.starts_at
    raises("forbidden", lab_visit_checkin_ticket, slot=inst_a.slot, ticket=token, by=member_a)
    raises("forbidden", lab_visit_checkin_ticket, slot=inst_a.slot, ticket=token, by=inst_b.contact)
    raises("wrong_slot", lab_visit_checkin_ticket, slot=inst_b.slot, ticket=token, by=checkin_staff)
    raises(
        "unknown_ticket",
        lab_visit_checkin_ticket,
        slot=inst_a.slot,
        ticket="ZZZZ2222",
        by=checkin_staff,
    )
    raises(
        "unknown_ticket",
        lab_visit_checkin_ticket,
        slot=inst_a.slot,
        ticket=token + "x",
        by=checkin_staff,
    )
    raises(
        "not_approved",
        lab_visit_checkin_ticket,
        slot=inst_a.slot,
        ticket=declined.ticket_code,
        by=checkin_staff,
    )
    checked = lab_visit_checkin_ticket(slot=inst_a.slot, ticket=token, by=inst_a.contact, now=now)
    assert checked.checked_in_by == inst_a.contact
    raises(
        "already_checked_in",
        lab_visit_checkin_ticket,
        slot=inst_a.slot,
        ticket=visit.ticket_code.lower(),
        by=checkin_staff,
        now=now,
    )


# ---- Slots --------------------------------------------------------------------------------


def test_slot_create_rules(inst_a, inst_b, member_a):
    start = timezone.now() + datetime.timedelta(days=3)
    end = start + datetime.timedelta(hours=2)
    slot = visit_slot_create(
        lab=inst_a.lab, by=inst_a.contact, starts_at=start, ends_at=end, capacity=30
    )
    assert slot.capacity == 30 and slot.lab == inst_a.lab
    base = {"lab": inst_a.lab, "starts_at": start, "ends_at": end, "capacity": 5}
    raises("forbidden", visit_slot_create, **{**base, "by": inst_b.contact})
    raises("forbidden", visit_slot_create, **{**base, "by": member_a})
    raises("invalid_time", visit_slot_create, **{**base, "by": inst_a.contact, "ends_at": start})
    raises(
        "past",
        visit_slot_create,
        **{
            **base,
            "by": inst_a.contact,
            "starts_at": start - datetime.timedelta(days=4),
            "ends_at": start - datetime.timedelta(days=3),
        },
    )
    raises("invalid_capacity", visit_slot_create, **{**base, "by": inst_a.contact, "capacity": 0})
    inst_a.lab.accepts_visits = False
    inst_a.lab.save()
    raises("not_accepting", visit_slot_create, **{**base, "by": inst_a.contact})


def test_slot_delete_only_without_visits(inst_a, inst_b, member_a):
    raises("forbidden", visit_slot_delete, slot=inst_a.slot, by=inst_b.contact)
    visit_slot_delete(slot=inst_b.slot, by=inst_b.contact)
    assert not VisitSlot.objects.filter(pk=inst_b.slot.pk).exists()
    request_visit(member_a, inst_a.slot)
    raises("has_visits", visit_slot_delete, slot=inst_a.slot, by=inst_a.contact)


# ---- Notifications in both languages --------------------------------------------------------


def test_notifications_in_each_recipients_language(site_tree, member_a, member_b):
    inst_en = make_institution(site_tree, 7, contact_language="en")
    inst_zh = make_institution(site_tree, 8, contact_language="zh-hans")

    visit_en_contact = request_visit(member_a, inst_en.slot)
    note = Notification.objects.get(user=inst_en.contact)
    assert note.subject.startswith("New lab visit request: Automotive lab 7")
    assert "No. 7, Banan, Chongqing" in note.body and note.url.startswith("/en/")

    visit_zh_contact = request_visit(member_b, inst_zh.slot)
    note = Notification.objects.get(user=inst_zh.contact)
    # The catalogue's Chinese wording comes with the lead's makemessages; the language shows
    # in the lab's name, the address, the date format and the link.
    assert "汽车实验室8" in note.subject and "Automotive" not in note.subject
    assert "年" in note.subject
    assert "重庆市巴南区8号" in note.body and note.url.startswith("/zh-hans/")

    # The English-speaking enterprise gets its approval in English, with an English .ics.
    lab_visit_decide(visit=visit_zh_contact, by=inst_zh.contact, approve=True)
    note = Notification.objects.filter(user=member_b).latest("pk")
    assert note.subject.startswith("Lab visit approved: Automotive lab 8")
    assert (
        "Lab visit: Automotive lab 8" in Calendar.from_ical(note.ics).walk("VEVENT")[0]["summary"]
    )
    # ... and the Chinese-speaking one in Chinese.
    lab_visit_decide(visit=visit_en_contact, by=inst_en.contact, approve=False, reason="检修")
    note = Notification.objects.filter(user=member_a).latest("pk")
    assert "汽车实验室7" in note.subject and note.url.startswith("/zh-hans/")


# ---- The rush -------------------------------------------------------------------------------


def test_rush_of_enterprises_never_overbooks_a_slot(transactional_site_tree):
    """20 enterprises, each with its own database connection, request groups of 3 for a
    slot of 10 people at the same moment: places held never exceed the capacity, those
    who do not fit are told "full", nothing else goes wrong."""
    tree = transactional_site_tree
    page = factories.InstitutionPageFactory(parent=tree.zh.institutions)
    lab = factories.LabFactory(institution=page, visit_capacity=5)
    slot = factories.VisitSlotFactory(lab=lab, capacity=10)
    users = []
    for n in range(20):
        user = factories.UserFactory(username=f"rush{n}")
        user.enterprise = factories.EnterpriseFactory(owner=user)
        users.append(user)

    def attempt(user):
        return lambda: request_visit(user, slot, group_size=3).state

    outcomes, errors = run_at_once([attempt(user) for user in users], expected=LabVisitError)

    assert errors == []
    assert len(outcomes) == 20
    assert outcomes.count("requested") == 3  # 3 groups of 3 fit in 10 places
    assert set(outcomes) == {"requested", "full"}
    assert slot_places_taken(slot=slot) == 9


def test_session_door_points_a_lab_visit_ticket_to_its_screen(site_tree, inst_a, member_a):
    from events.exceptions import RegistrationError
    from events.services.checkin import checkin_perform

    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    session = factories.SessionFactory(activity=activity)
    visit = request_visit(member_a, inst_a.slot)
    staff = factories.UserFactory(groups=["Check-in staff"])
    with translation.override("en"), pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket=visit.ticket_code, by=staff)
    assert error.value.code == "wrong_session" and "lab-visit" in error.value.message


@pytest.mark.parametrize("names", ["王一\n李二", "王一\n李二\n张三\n赵四", "", "\n \n"])
def test_request_refuses_a_group_size_other_than_the_visitors_named(inst_a, member_a, names):
    with translation.override("en"):
        error = raises(
            "names_mismatch", request_visit, user=member_a, slot=inst_a.slot, visitor_names=names
        )
    assert "The group has 3 visitors" in error.message and "one name per visitor" in error.message
    with translation.override("zh-hans"):
        error = raises(
            "names_mismatch", request_visit, user=member_a, slot=inst_a.slot, visitor_names=names
        )
    assert "3" in error.message and "每位" in error.message
    assert not LabVisit.objects.exists()


def test_request_stores_the_names_one_per_line(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot, visitor_names=" 王一 \r\n\r\n李二\n  张三  \n")
    assert visit.visitor_names == "王一\n李二\n张三" and visit.group_size == 3


def test_database_refuses_a_group_size_other_than_the_visitors_named(inst_a, member_a):
    """The check constraint, for writes that bypass the service; erased names pass."""
    from django.db import IntegrityError, transaction

    visit = request_visit(member_a, inst_a.slot)
    for size in (2, 4):
        with pytest.raises(IntegrityError), transaction.atomic():
            LabVisit.objects.filter(pk=visit.pk).update(group_size=size)
    LabVisit.objects.filter(pk=visit.pk).update(visitor_names="", group_size=4)
