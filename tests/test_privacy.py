"""Personal data: the retention purge keeps the statistics, a user downloads their own data
and deletes their account."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from consultations.models import Consultation
from enterprises.models import Membership
from events.models import Registration
from inbox.models import Notification
from inbox.services import user_language_set
from labvisits.models import LabVisit
from portal.privacy import ANONYMISED_NAME, personal_data_purge
from portal.tasks import personal_data_purge_task
from reminders.models import Reminder
from stats.models import ConsultationStat, LabVisitStat, SessionStat
from tests import factories
from tests.stats.test_selectors import build_stats_data

PASSWORD = "correct horse battery staple"
RETENTION_DAYS = 180


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = RETENTION_DAYS


def campaign_ended(site_tree, *, days_ago: int, slug: str):
    end = timezone.localdate() - datetime.timedelta(days=days_ago)
    return factories.OpenDayIndexPageFactory(
        parent=site_tree.zh.home,
        year=end.year,
        slug=slug,
        title=f"开放日 {slug}",
        start_date=end - datetime.timedelta(days=5),
        end_date=end,
    )


def session_of(campaign):
    activity = factories.ActivityPageFactory(parent=campaign)
    starts_at = timezone.make_aware(datetime.datetime.combine(campaign.end_date, datetime.time(10)))
    return factories.SessionFactory(
        activity=activity, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )


def lab_slot(site_tree, *, ends_at: datetime.datetime):
    institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    lab = factories.LabFactory(institution=institution)
    return factories.VisitSlotFactory(
        lab=lab, starts_at=ends_at - datetime.timedelta(hours=2), ends_at=ends_at
    )


def past_slot(*, days_ago: int):
    starts_at = timezone.now() - datetime.timedelta(days=days_ago)
    return factories.SlotFactory(
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)
    )


def sent_reminder(registration, *, days_ago: int, state=Reminder.State.SENT) -> Reminder:
    due_at = timezone.now() - datetime.timedelta(days=days_ago)
    return Reminder.objects.create(
        key=f"test:{registration.pk}:{days_ago}:{state}",
        registration=registration,
        audience=Reminder.Audience.REGISTRANT,
        channel=Reminder.Channel.EMAIL,
        due_at=due_at,
        state=state,
        sent_at=due_at if state == Reminder.State.SENT else None,
    )


def snapshot() -> tuple[list, list, list]:
    return (
        list(SessionStat.objects.order_by("pk").values()),
        list(ConsultationStat.objects.order_by("pk").values()),
        list(LabVisitStat.objects.order_by("pk").values()),
    )


# --- Retention ---------------------------------------------------------------------------


def test_purge_anonymises_only_what_is_past_retention(site_tree):
    user = factories.UserFactory()
    old = session_of(campaign_ended(site_tree, days_ago=RETENTION_DAYS + 10, slug="old"))
    recent = session_of(campaign_ended(site_tree, days_ago=RETENTION_DAYS - 10, slug="recent"))
    old_checked_in = factories.RegistrationFactory(
        session=old,
        user=user,
        organisation="重庆某公司",
        browser_key="0" * 32,
        status=Registration.Status.CHECKED_IN,
        party_size=3,
        checked_in_at=old.starts_at,
    )
    old_cancelled = factories.RegistrationFactory(session=old, status=Registration.Status.CANCELLED)
    kept = factories.RegistrationFactory(session=recent, user=user, organisation="重庆某公司")
    old_consultation = factories.ConsultationFactory(
        slot=past_slot(days_ago=RETENTION_DAYS + 1), state=Consultation.State.COMPLETED
    )
    recent_consultation = factories.ConsultationFactory(
        slot=past_slot(days_ago=RETENTION_DAYS - 1), state=Consultation.State.COMPLETED
    )
    now = timezone.now()
    old_visit = factories.LabVisitFactory(
        slot=lab_slot(site_tree, ends_at=now - datetime.timedelta(days=RETENTION_DAYS + 1)),
        state=LabVisit.State.NO_SHOW,
    )
    recent_visit = factories.LabVisitFactory(
        slot=lab_slot(site_tree, ends_at=now - datetime.timedelta(days=RETENTION_DAYS - 1)),
        state=LabVisit.State.NO_SHOW,
    )
    old_reminder = sent_reminder(kept, days_ago=RETENTION_DAYS + 1)
    old_pending = sent_reminder(kept, days_ago=RETENTION_DAYS + 1, state=Reminder.State.PENDING)
    recent_reminder = sent_reminder(kept, days_ago=RETENTION_DAYS - 1)

    counts = personal_data_purge()

    assert counts == {
        "registrations": 2,
        "consultations": 1,
        "lab_visits": 1,
        "needs": 0,
        "ratings": 0,
        "reminders": 1,
        "webhook_deliveries": 0,
    }
    old_checked_in.refresh_from_db()
    assert old_checked_in.name == ANONYMISED_NAME
    assert (old_checked_in.phone, old_checked_in.email, old_checked_in.organisation) == ("", "", "")
    assert old_checked_in.user is None
    assert old_checked_in.ticket_code is None and old_checked_in.browser_key == ""
    # What the statistics read stays.
    assert old_checked_in.status == Registration.Status.CHECKED_IN
    assert old_checked_in.party_size == 3
    assert old_checked_in.checked_in_at == old.starts_at
    old_cancelled.refresh_from_db()
    assert old_cancelled.name == ANONYMISED_NAME and old_cancelled.phone == ""
    kept_before = kept.phone, kept.name, kept.email, kept.user_id, kept.ticket_code
    kept.refresh_from_db()
    assert (kept.phone, kept.name, kept.email, kept.user_id, kept.ticket_code) == kept_before
    assert kept.organisation == "重庆某公司"

    old_consultation.refresh_from_db()
    assert (old_consultation.contact_name, old_consultation.contact_phone) == (ANONYMISED_NAME, "")
    # The enterprise's description of its problem is business data and stays.
    assert old_consultation.description == factories.ConsultationFactory.description
    recent_consultation.refresh_from_db()
    assert recent_consultation.contact_phone == "+8613800001111"

    old_visit.refresh_from_db()
    assert (old_visit.contact_name, old_visit.contact_phone, old_visit.visitor_names) == (
        ANONYMISED_NAME,
        "",
        "",
    )
    assert old_visit.group_size == 3 and old_visit.purpose
    recent_visit.refresh_from_db()
    assert recent_visit.visitor_names == "王一\n李二\n张三"

    remaining = set(Reminder.objects.values_list("pk", flat=True))
    assert remaining == {old_pending.pk, recent_reminder.pk}
    assert old_reminder.pk not in remaining


def test_purge_keeps_the_statistics_and_is_idempotent(site_tree):
    from stats.services import stats_refresh

    build_stats_data(site_tree)
    stats_refresh()
    before = snapshot()
    assert Registration.objects.exclude(phone="").exists()
    # Far enough ahead that every campaign and appointment is past retention.
    later = timezone.now() + datetime.timedelta(days=5 * 365)

    counts = personal_data_purge(now=later)

    assert counts["registrations"] == Registration.objects.count()
    assert counts["consultations"] > 0
    assert counts["lab_visits"] == LabVisit.objects.count()
    assert not Registration.objects.exclude(phone="").exists()
    assert not Registration.objects.exclude(name=ANONYMISED_NAME).exists()
    stats_refresh()
    assert snapshot() == before

    rows = list(Registration.objects.order_by("pk").values())
    again = personal_data_purge(now=later)

    assert again == {
        "registrations": 0,
        "consultations": 0,
        "lab_visits": 0,
        "needs": 0,
        "ratings": 0,
        "reminders": 0,
        "webhook_deliveries": 0,
    }
    assert list(Registration.objects.order_by("pk").values()) == rows


def test_purge_anonymises_many_registrations_of_one_session_in_batches(site_tree, monkeypatch):
    """More rows than one batch; cleared phones never collide with the unique constraint."""
    monkeypatch.setattr("portal.privacy.BATCH_SIZE", 3)
    session = session_of(campaign_ended(site_tree, days_ago=RETENTION_DAYS + 1, slug="old"))
    for _ in range(7):
        factories.RegistrationFactory(session=session)

    assert personal_data_purge()["registrations"] == 7
    assert set(session.registrations.values_list("phone", flat=True)) == {""}


def test_command_and_task_run_the_purge(site_tree):
    session = session_of(campaign_ended(site_tree, days_ago=RETENTION_DAYS + 1, slug="old"))
    first = factories.RegistrationFactory(session=session)
    out = StringIO()

    call_command("purge_personal_data", stdout=out)

    assert "Anonymised 1 registration(s)" in out.getvalue()
    first.refresh_from_db()
    assert first.phone == ""

    second = factories.RegistrationFactory(session=session)
    result = personal_data_purge_task.delay()

    assert result.get()["registrations"] == 1
    second.refresh_from_db()
    assert second.name == ANONYMISED_NAME


# --- A user's own data -------------------------------------------------------------------


@pytest.fixture
def visitor(site_tree):
    """A user with a past registration, a past consultation, a past lab visit and a
    notification."""
    user = factories.UserFactory(username="visitor")
    past = session_of(campaign_ended(site_tree, days_ago=30, slug="past"))
    factories.RegistrationFactory(
        session=past,
        user=user,
        name="Visitor Own",
        phone="+8613911112222",
        status=Registration.Status.CHECKED_IN,
        party_size=2,
    )
    enterprise = factories.EnterpriseFactory(owner=user, name="Own Enterprise Ltd")
    factories.ConsultationFactory(
        requested_by=user,
        enterprise=enterprise,
        slot=past_slot(days_ago=10),
        reference="CMINE01",
        state=Consultation.State.COMPLETED,
        contact_phone="+8613911113333",
    )
    factories.LabVisitFactory(
        requested_by=user,
        enterprise=enterprise,
        slot=lab_slot(site_tree, ends_at=timezone.now() - datetime.timedelta(days=5)),
        state=LabVisit.State.APPROVED,
        contact_phone="+8613911114444",
    )
    Notification.objects.create(user=user, subject="Your visit is approved", body="See you.")
    return user


@pytest.fixture
def other(site_tree):
    user = factories.UserFactory(username="someone_else")
    session = session_of(campaign_ended(site_tree, days_ago=20, slug="other"))
    factories.RegistrationFactory(
        session=session, user=user, name="Other Person", phone="+8613900009999"
    )
    Notification.objects.create(user=user, subject="Not yours", body="Secret.")
    return user


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for url in (
        "/en/accounts/my-data/",
        "/en/accounts/my-data/download/",
        "/en/accounts/delete-account/",
    ):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/?next=")


def test_my_data_page_offers_the_download_and_deletion(client, visitor):
    client.force_login(visitor)

    response = client.get("/en/accounts/my-data/")

    assert response.status_code == 200
    assert b"/en/accounts/my-data/download/" in response.content
    assert b"/en/accounts/delete-account/" in response.content
    assert b"180 days" in response.content


def test_my_data_download_holds_the_users_own_data_only(client, visitor, other):
    client.force_login(visitor)
    # Signing in records the language in use; the user then chose English.
    user_language_set(user=visitor, language="en")

    response = client.get("/en/accounts/my-data/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "visitor"
    assert data["account"]["email"] == "visitor@example.com"
    assert data["account"]["language"] == "en"
    [registration] = data["registrations"]
    assert registration["phone"] == "+8613911112222"
    assert registration["party_size"] == 2
    assert registration["status"] == "checked_in"
    assert registration["activity"]
    assert registration["session_starts_at"]
    assert [c["reference"] for c in data["consultations"]] == ["CMINE01"]
    assert data["consultations"][0]["contact_phone"] == "+8613911113333"
    assert [v["contact_phone"] for v in data["lab_visits"]] == ["+8613911114444"]
    assert [n["subject"] for n in data["notifications"]] == ["Your visit is approved"]
    assert data["enterprise_memberships"][0]["enterprise"] == "Own Enterprise Ltd"
    text = response.content.decode()
    for foreign in ("Other Person", "+8613900009999", "Not yours", "someone_else"):
        assert foreign not in text


def test_export_and_purge_keep_their_parts_in_order(visitor):
    """Each app registers its part (``portal.privacy``); the export and the purge list
    them in a fixed order, whatever the order of the apps."""
    from portal.privacy import personal_data_export

    data = personal_data_export(user=visitor)
    assert list(data) == [
        "generated_at",
        "account",
        "enterprise_memberships",
        "registrations",
        "consultations",
        "lab_visits",
        "needs",
        "ratings",
        "notifications",
    ]
    assert list(data["account"]) == [
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "date_joined",
        "last_login",
        "email_addresses",
    ]
    assert list(personal_data_purge()) == [
        "registrations",
        "consultations",
        "lab_visits",
        "needs",
        "ratings",
        "reminders",
        "webhook_deliveries",
    ]


def test_delete_account_refused_with_a_wrong_password(client, visitor):
    client.force_login(visitor)

    response = client.post("/en/accounts/delete-account/", {"password": "not my password"})

    assert response.status_code == 200
    assert b"The password is not correct." in response.content
    visitor.refresh_from_db()
    assert visitor.is_active
    assert Registration.objects.get(user=visitor).phone == "+8613911112222"
    assert client.get("/en/accounts/my-data/").status_code == 200


def test_delete_account_anonymises_and_signs_out(client, visitor, other):
    member = factories.UserFactory(username="colleague")
    enterprise = Membership.objects.get(user=visitor).enterprise
    Membership.objects.create(enterprise=enterprise, user=member, status=Membership.Status.APPROVED)
    other_registration = Registration.objects.get(user=other)
    client.force_login(visitor)

    response = client.post("/en/accounts/delete-account/", {"password": PASSWORD})

    assert response.status_code == 302
    # Signed out: the account pages ask to sign in again.
    assert client.get("/en/accounts/my-data/").status_code == 302
    # Consultations and lab visits point at their requester (PROTECT): the row stays,
    # without anything that identifies the person, and cannot sign in.
    account = get_user_model().objects.get(pk=visitor.pk)
    assert not account.is_active
    assert account.username == f"deleted-{visitor.pk}"
    assert account.email == ""
    assert not account.has_usable_password()
    assert not client.login(username="visitor", password=PASSWORD)
    assert not client.login(username=f"deleted-{visitor.pk}", password=PASSWORD)
    client.post("/en/accounts/login/", {"login": "visitor@example.com", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    registration = Registration.objects.get(name=ANONYMISED_NAME)
    assert registration.user is None and registration.phone == ""
    assert registration.party_size == 2 and registration.status == "checked_in"
    consultation = Consultation.objects.get(reference="CMINE01")
    assert consultation.contact_phone == "" and consultation.contact_name == ANONYMISED_NAME
    assert consultation.enterprise == enterprise  # the enterprise's record stays
    visit = LabVisit.objects.get(requested_by=account)
    assert visit.visitor_names == "" and visit.contact_phone == ""
    assert not Notification.objects.filter(user=account).exists()
    # The membership ended; the remaining member now owns the enterprise.
    assert not Membership.objects.filter(user=account).exists()
    assert Membership.objects.get(user=member).role == Membership.Role.OWNER
    # Nobody else's data changed.
    other_registration_after = Registration.objects.get(pk=other_registration.pk)
    assert other_registration_after.phone == "+8613900009999"
    assert Notification.objects.filter(user=other).count() == 1


def test_delete_account_without_bookings_deletes_the_row(client, site_tree):
    user = factories.UserFactory(username="plain")
    session = session_of(campaign_ended(site_tree, days_ago=3, slug="done"))
    registration = factories.RegistrationFactory(session=session, user=user)
    client.force_login(user)

    response = client.post("/en/accounts/delete-account/", {"password": PASSWORD})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    registration.refresh_from_db()
    assert registration.name == ANONYMISED_NAME and registration.user is None


def test_delete_account_refused_while_a_registration_is_still_to_come(client, site_tree):
    user = factories.UserFactory()
    upcoming = factories.SessionFactory(
        activity=factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    )
    registration = factories.RegistrationFactory(session=upcoming, user=user)
    client.force_login(user)

    response = client.post("/en/accounts/delete-account/", {"password": PASSWORD})

    assert response.status_code == 200
    assert b"Cancel them first" in response.content
    registration.refresh_from_db()
    assert registration.user == user and registration.phone.startswith("+86")


def test_staff_cannot_delete_their_account_here(client, staff_editor):
    client.force_login(staff_editor)

    response = client.post("/en/accounts/delete-account/", {"password": PASSWORD})

    assert response.status_code == 200
    assert b"closed by an administrator" in response.content
    staff_editor.refresh_from_db()
    assert staff_editor.is_active


def test_an_enterprise_left_without_members_keeps_no_personal_contact_data(client, site_tree):
    owner = factories.UserFactory(username="sole-owner")
    alone = factories.EnterpriseFactory(owner=owner, contact_name="王经理")
    shared_owner, member = factories.UserFactory(), factories.UserFactory()
    shared = factories.EnterpriseFactory(owner=shared_owner, contact_name="李经理")
    Membership.objects.create(
        enterprise=shared, user=member, role=Membership.Role.MEMBER, status="approved"
    )
    for user in (owner, shared_owner):
        client.force_login(user)
        assert (
            client.post("/en/accounts/delete-account/", {"password": PASSWORD}).status_code == 302
        )

    alone.refresh_from_db()
    assert (alone.contact_name, alone.contact_phone) == ("", "")
    assert alone.name and alone.credit_code  # the enterprise's own records stay
    # Handed to the remaining member, the enterprise keeps its contact.
    shared.refresh_from_db()
    assert shared.contact_name == "李经理" and shared.contact_phone
    assert Membership.objects.get(enterprise=shared).role == Membership.Role.OWNER
