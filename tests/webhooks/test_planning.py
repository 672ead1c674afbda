"""Which changes become deliveries, to whom, with what: written in the change's transaction,
never with more personal data than the endpoint's scope allows."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.services.booking import consultation_decline
from events.models import Registration
from events.services.checkin import registrations_mark_no_show
from events.services.registration import registration_cancel, registration_create
from events.services.session import broadcast_plan_batch, session_cancel, session_schedule_check
from labvisits.services import lab_visit_checkin, lab_visit_decide
from portal.privacy import personal_data_purge
from tests import factories
from tests.labvisits.conftest import make_institution, open_door, request_visit
from tests.webhooks.conftest import endpoint_make
from webhooks.checks import webhook_addresses_guarded
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import ENDPOINTS_CACHE_KEY, deliveries_plan_for_changes

ALL = list(Event.values)
NAME, PHONE = "王小明", "13800138000"


def register(session, **kwargs) -> Registration:
    return registration_create(session_id=session.pk, name=NAME, phone=PHONE, **kwargs)


def text(delivery: Delivery) -> str:
    return json.dumps(delivery.payload, ensure_ascii=False)


def test_a_registration_writes_its_delivery_in_its_own_transaction(session):
    endpoint = endpoint_make("https://hooks.example.com/in", events=ALL)
    registration = register(session)

    delivery = Delivery.objects.get()
    assert delivery.endpoint == endpoint
    assert delivery.event == Event.REGISTRATION_CONFIRMED
    assert delivery.state == Delivery.State.PENDING
    change = registration.changes.get()
    assert delivery.payload["id"] == delivery.event_id == f"registration-change-{change.pk}"
    assert delivery.payload["event"] == "registration.confirmed"
    data = delivery.payload["data"]
    assert data["registration"] == {
        "id": registration.pk,
        "status": "confirmed",
        "party_size": 1,
        "source": "online",
        "checked_in_at": None,
    }
    assert data["session"]["id"] == session.pk
    assert data["change"] == {"step": "confirmed", "from": "", "to": "confirmed"}


def test_a_rolled_back_change_leaves_no_delivery(session):
    endpoint_make("https://hooks.example.com/in", events=ALL)
    with pytest.raises(RuntimeError), transaction.atomic():
        register(session)
        assert Delivery.objects.count() == 1
        raise RuntimeError("the request failed after the registration")
    assert not Registration.objects.exists()
    assert not Delivery.objects.exists()


def test_scope_none_never_carries_the_name_or_the_phone(session):
    endpoint_make("https://hooks.example.com/in", events=ALL, scope=Endpoint.Scope.NONE)
    registration = register(session)
    registration_cancel(registration_id=registration.pk, by=None)

    deliveries = list(Delivery.objects.order_by("pk"))
    assert [d.event for d in deliveries] == ["registration.confirmed", "registration.cancelled"]
    for delivery in deliveries:
        body = text(delivery)
        assert "person" not in delivery.payload["data"]
        # The name, the number in any form, and any masked value ("王**", "138 **** 8000"):
        # digits alone would also match row ids.
        for personal in (NAME, "王", PHONE, PHONE[-11:], "**", registration.ticket_code):
            assert personal not in body


def test_scope_masked_carries_masked_name_and_phone_only(session):
    endpoint_make("https://hooks.example.com/in", events=ALL, scope=Endpoint.Scope.MASKED)
    register(session)

    delivery = Delivery.objects.get()
    assert delivery.payload["data"]["person"] == {"name": "王**", "phone": "138 **** 8000"}
    body = text(delivery)
    assert NAME not in body and PHONE not in body


def test_each_endpoint_gets_only_its_events(session):
    confirmed = endpoint_make("https://a.example.com/", events=["registration.confirmed"])
    cancelled = endpoint_make(
        "https://b.example.com/", events=["registration.cancelled"], name="Other system"
    )
    registration = register(session)
    registration_cancel(registration_id=registration.pk, by=None)

    assert list(Delivery.objects.values_list("endpoint", "event").order_by("pk")) == [
        (confirmed.pk, "registration.confirmed"),
        (cancelled.pk, "registration.cancelled"),
    ]


def test_waiting_list_promotion_is_its_own_event(session):
    endpoint_make("https://hooks.example.com/in", events=ALL)
    session.capacity = 1
    session.save(update_fields=["capacity"])
    first = register(session)
    waiting = registration_create(
        session_id=session.pk, name="李华", phone="13800138001", join_waitlist=True
    )
    assert waiting.status == Registration.Status.WAITLISTED
    registration_cancel(registration_id=first.pk, by=None)

    events = list(
        Delivery.objects.order_by("pk").values_list("event", "payload__data__registration__id")
    )
    assert events == [
        ("registration.confirmed", first.pk),
        ("registration.waitlisted", waiting.pk),
        ("registration.cancelled", first.pk),
        ("registration.promoted", waiting.pk),
    ]


def test_an_inactive_endpoint_gets_nothing_and_a_change_nobody_wants_costs_nothing(
    session, django_assert_num_queries
):
    endpoint_make("https://hooks.example.com/in", events=ALL, active=False)
    endpoint_make("https://b.example.com/", events=["lab_visit.checked_in"], name="Labs only")
    register(session)  # reads the endpoints into the cache
    assert not Delivery.objects.exists()

    change = Registration.objects.get().changes.get()
    with django_assert_num_queries(0):
        assert deliveries_plan_for_changes(model=type(change), changes=[change]) == []


def test_an_institution_endpoint_hears_only_of_its_own_sessions(site_tree, session, institution):
    other = factories.InstitutionPageFactory(parent=site_tree.zh.institutions, title="别的机构")
    ours = endpoint_make("https://ours.example.com/", events=ALL, institution=institution)
    theirs = endpoint_make("https://theirs.example.com/", events=ALL, institution=other, name="B")
    everything = endpoint_make("https://all.example.com/", events=ALL, name="All")

    register(session)

    assert sorted(Delivery.objects.values_list("endpoint", flat=True)) == sorted(
        [ours.pk, everything.pk]
    )
    data = Delivery.objects.filter(endpoint=ours).get().payload["data"]
    assert data["institution"] == {"id": institution.pk, "name": "重庆检测院"}
    assert not Delivery.objects.filter(endpoint=theirs).exists()


def test_an_institution_endpoint_hears_only_of_its_own_lab_visits(site_tree):
    a, b = make_institution(site_tree, 1), make_institution(site_tree, 2)
    ours = endpoint_make("https://ours.example.com/", events=ALL, institution=a.page)
    member = factories.UserFactory(username="ent")
    member.enterprise = factories.EnterpriseFactory(owner=member)
    visit_a = lab_visit_decide(visit=request_visit(member, a.slot), by=a.contact, approve=True)
    lab_visit_decide(visit=request_visit(member, b.slot), by=b.contact, approve=True)
    open_door(a.slot)
    lab_visit_checkin(visit=visit_a, by=a.contact)

    events = list(
        Delivery.objects.filter(endpoint=ours)
        .order_by("pk")
        .values_list("event", "payload__data__lab_visit__id")
    )
    assert events == [
        ("lab_visit.state_changed", visit_a.pk),
        ("lab_visit.state_changed", visit_a.pk),
        ("lab_visit.checked_in", visit_a.pk),
    ]
    assert Delivery.objects.count() == 3
    body = text(Delivery.objects.filter(event="lab_visit.checked_in").get())
    assert "王经理" not in body and "王一" not in body and "1111" not in body


def test_a_cancelled_session_tells_of_itself_and_of_every_registration(session, door_staff):
    endpoint_make("https://hooks.example.com/in", events=ALL)
    one = register(session)
    two = registration_create(session_id=session.pk, name="李华", phone="13800138001")
    broadcast = session_cancel(session_id=session.pk, by=door_staff, reason="设备检修")

    notice = Delivery.objects.get(event="session.cancelled")
    assert notice.payload["id"] == f"session-{session.pk}-notice-{broadcast.pk}"
    assert notice.payload["data"]["reason"] == "设备检修"
    assert notice.payload["data"]["session"]["id"] == session.pk
    assert set(notice.payload["data"]) == {"session", "institution", "reason"}

    broadcast_plan_batch(broadcast_id=broadcast.pk)  # the registrations, in one batch

    cancelled = Delivery.objects.filter(event="registration.cancelled")
    assert sorted(cancelled.values_list("payload__data__registration__id", flat=True)) == [
        one.pk,
        two.pk,
    ]


def test_no_shows_marked_in_a_batch_are_delivered_too(session):
    endpoint_make("https://hooks.example.com/in", events=["registration.no_show"])
    one = register(session)
    two = registration_create(session_id=session.pk, name="李华", phone="13800138001")

    marked = registrations_mark_no_show(now=session.ends_at + datetime.timedelta(hours=1))

    assert marked == 2
    assert sorted(Delivery.objects.values_list("payload__data__registration__id", flat=True)) == [
        one.pk,
        two.pk,
    ]


def test_one_change_is_delivered_once_per_endpoint(session):
    endpoint = endpoint_make("https://hooks.example.com/in", events=ALL)
    register(session)
    delivery = Delivery.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            endpoint=endpoint,
            event=delivery.event,
            event_id=delivery.event_id,
            occurred_at=delivery.occurred_at,
            payload={},
            next_attempt_at=delivery.next_attempt_at,
        )


def test_endpoints_refuse_unknown_events_http_and_private_addresses(db, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for url in (
        "http://hooks.example.com/",
        "https://127.0.0.1/",
        "https://10.1.2.3/in",
        "https://169.254.169.254/latest",
        "https://[::1]/",
        "https://localhost:8000/",
        "https://user:pw@hooks.example.com/",
    ):
        with pytest.raises(ValidationError) as error:
            Endpoint(name="x", url=url, events=["session.changed"]).full_clean()
        assert "url" in error.value.error_dict, url
    with pytest.raises(ValidationError) as error:
        Endpoint(name="x", url="https://hooks.example.com/", events=["session.moved"]).full_clean()
    assert "events" in error.value.error_dict
    Endpoint(name="x", url="https://hooks.example.com/", events=["session.changed"]).full_clean()


def test_finished_deliveries_are_deleted_after_the_retention_time(session, settings):
    endpoint_make("https://hooks.example.com/in", events=ALL)
    register(session)
    registration_create(session_id=session.pk, name="李华", phone="13800138001")
    old, pending = Delivery.objects.order_by("pk")
    long_ago = timezone.now() - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS + 1)
    Delivery.objects.filter(pk=old.pk).update(
        state=Delivery.State.DELIVERED, delivered_at=long_ago, created_at=long_ago
    )
    Delivery.objects.filter(pk=pending.pk).update(created_at=long_ago)

    assert personal_data_purge()["webhook_deliveries"] == 1
    assert list(Delivery.objects.values_list("pk", flat=True)) == [pending.pk]


def test_a_consultation_step_goes_to_unrestricted_endpoints_only(site_tree, institution):
    everything = endpoint_make("https://all.example.com/", events=["consultation.state_changed"])
    endpoint_make(
        "https://ours.example.com/",
        events=["consultation.state_changed"],
        institution=institution,
        name="Institution",
    )
    consultation = factories.ConsultationFactory()
    expert_user = factories.UserFactory(username="expert")
    consultation.expert.user = expert_user
    consultation.expert.save(update_fields=["user"])

    consultation_decline(consultation=consultation, by=expert_user, reason="不擅长")

    delivery = Delivery.objects.get()
    assert delivery.endpoint == everything
    data = delivery.payload["data"]
    assert data["consultation"]["reference"] == consultation.reference
    assert data["change"] == {"step": "declined", "from": "requested", "to": "declined"}
    assert "王经理" not in text(delivery) and "1111" not in text(delivery)


def test_a_moved_session_tells_of_itself_and_of_every_registration(session):
    endpoint_make(
        "https://hooks.example.com/in", events=["session.changed", "registration.changed"]
    )
    registration = register(session)
    assert session_schedule_check(session_id=session.pk) is None  # the first snapshot
    session.starts_at += datetime.timedelta(hours=1)
    session.ends_at += datetime.timedelta(hours=1)
    session.save(update_fields=["starts_at", "ends_at"])

    broadcast = session_schedule_check(session_id=session.pk)
    notice = Delivery.objects.get(event="session.changed")
    assert notice.payload["id"] == f"session-{session.pk}-notice-{broadcast.pk}"
    assert notice.payload["data"]["session"]["starts_at"] == session.starts_at.isoformat()
    assert "reason" not in notice.payload["data"]

    broadcast_plan_batch(broadcast_id=broadcast.pk)
    changed = Delivery.objects.get(event="registration.changed")
    assert changed.payload["data"]["registration"]["id"] == registration.pk


def test_an_endpoint_deleted_behind_a_stale_cache_costs_the_registration_nothing(session):
    endpoint = endpoint_make("https://hooks.example.com/in", events=ALL)
    register(session)
    stale = cache.get(ENDPOINTS_CACHE_KEY)
    assert [row[0] for row in stale] == [endpoint.pk]
    endpoint.delete()
    cache.set(ENDPOINTS_CACHE_KEY, stale)  # another process still has the old list

    registration = registration_create(session_id=session.pk, name="李华", phone="13800138001")

    assert registration.status == Registration.Status.CONFIRMED
    assert not Delivery.objects.exists()


def test_production_warns_when_private_addresses_or_http_are_allowed(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOW_HTTP = False
    assert webhook_addresses_guarded() == []
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_ALLOW_HTTP = True
    assert [w.id for w in webhook_addresses_guarded()] == ["webhooks.W001", "webhooks.W002"]
