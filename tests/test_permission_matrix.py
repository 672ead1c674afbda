"""Every role against every other role's URLs: a party sees its own bookings, visits and
files; anyone else, including someone guessing ids, gets 403/404 (or a sign-in redirect)
and never the data."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import ConsultationAttachment
from labvisits.models import LabVisit
from tests import factories

pytestmark = pytest.mark.django_db

SECRET_TOPIC = "机密课题-安全带锁扣"
SECRET_PURPOSE = "机密参观目的"


@pytest.fixture
def world(site_tree):
    users = {
        name: factories.UserFactory(username=f"m-{name}")
        for name in ("ent_a", "ent_b", "expert_x", "expert_y", "contact_i", "contact_j")
    }
    users["approver"] = factories.UserFactory(username="m-approver", groups=["Regulator approvers"])
    ent_a = factories.EnterpriseFactory(owner=users["ent_a"])
    factories.EnterpriseFactory(owner=users["ent_b"])
    expert_x = factories.ExpertFactory(user=users["expert_x"], services=("certification",))
    factories.ExpertFactory(user=users["expert_y"], services=("certification",))
    slot = factories.SlotFactory(expert=expert_x)
    consultation = factories.ConsultationFactory(
        requested_by=users["ent_a"], enterprise=ent_a, slot=slot, topic=SECRET_TOPIC
    )
    attachment = ConsultationAttachment(
        consultation=consultation,
        token="tok-matrix-1",
        original_name="report.pdf",
        content_type="application/pdf",
        size=20,
    )
    attachment.file.save("report.pdf", ContentFile(b"%PDF-1.4 secret report"), save=False)
    attachment.save()

    institution_i = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    institution_j = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    factories.InstitutionContactFactory(user=users["contact_i"], institution=institution_i)
    factories.InstitutionContactFactory(user=users["contact_j"], institution=institution_j)
    lab = factories.LabFactory(institution=institution_i)
    visit_slot = factories.VisitSlotFactory(lab=lab)
    visit = factories.LabVisitFactory(
        requested_by=users["ent_a"],
        enterprise=ent_a,
        slot=visit_slot,
        purpose=SECRET_PURPOSE,
        state=LabVisit.State.APPROVED,
        decided_at=timezone.now() - datetime.timedelta(hours=1),
    )
    return {
        "users": users,
        "consultation": consultation,
        "attachment": attachment,
        "visit": visit,
        "expert_x": expert_x,
    }


def get_as(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def post_as(user, url, data=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.post(url, data or {"reason": "x", "summary": "x", "level": "5"})


def assert_refused(response, secret: str):
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in (403, 404), response.status_code
    body = b"".join(response) if response.streaming else response.content
    assert secret.encode() not in body
    assert b"secret report" not in body


def urls(world) -> dict[str, tuple[str, str]]:
    ref = world["consultation"].reference
    pk = world["visit"].pk
    return {
        "consultation": (f"/en/consultations/booking/{ref}/", SECRET_TOPIC),
        "consultation_ics": (f"/en/consultations/booking/{ref}/calendar.ics", SECRET_TOPIC),
        "attachment": (
            f"/en/consultations/booking/{ref}/attachments/{world['attachment'].token}/",
            "secret report",
        ),
        "visit": (f"/en/lab-visits/{pk}/", SECRET_PURPOSE),
        "visit_ticket": (f"/en/lab-visits/{pk}/ticket/", world["visit"].ticket_code),
        "availability_x": (
            reverse("consultations:availability_for", kwargs={"expert_id": world["expert_x"].pk}),
            "availability",
        ),
    }


# Who may open what (everyone else must be refused).
ALLOWED = {
    "consultation": {"ent_a", "expert_x", "approver"},
    "consultation_ics": {"ent_a", "expert_x", "approver"},
    "attachment": {"ent_a", "expert_x", "approver"},
    "visit": {"ent_a", "contact_i", "approver"},
    "visit_ticket": {"ent_a", "contact_i", "approver"},
    "availability_x": {"expert_x", "approver"},
}
ROLES = [None, "ent_a", "ent_b", "expert_x", "expert_y", "contact_i", "contact_j", "approver"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_its_own_things(world, role):
    user = world["users"].get(role) if role else None
    for name, (url, secret) in urls(world).items():
        response = get_as(user, url)
        if role in ALLOWED[name]:
            assert response.status_code == 200, (role, name, response.status_code)
        else:
            assert_refused(response, secret if name != "availability_x" else "\x00")


@pytest.mark.parametrize("role", ["ent_b", "expert_y", "contact_i", "contact_j"])
def test_other_parties_cannot_act_on_a_consultation(world, role):
    user = world["users"][role]
    ref = world["consultation"].reference
    for action in ("confirm", "decline", "cancel", "complete", "no-show", "rate"):
        response = post_as(user, f"/en/consultations/booking/{ref}/{action}/")
        assert_refused(response, SECRET_TOPIC)
    world["consultation"].refresh_from_db()
    assert world["consultation"].state == "requested"


@pytest.mark.parametrize("role", ["ent_b", "expert_x", "contact_j"])
def test_other_parties_cannot_decide_or_cancel_a_visit(world, role):
    user = world["users"][role]
    pk = world["visit"].pk
    for action, data in (
        ("decide", {"decision": "decline", "reason": "x"}),
        ("cancel", {"reason": "x"}),
    ):
        assert_refused(post_as(user, f"/en/lab-visits/{pk}/{action}/", data), SECRET_PURPOSE)
    world["visit"].refresh_from_db()
    assert world["visit"].state == LabVisit.State.APPROVED


def test_guessed_ids_are_not_found(world):
    user = world["users"]["ent_b"]
    visit_pk = world["visit"].pk
    for url in (
        "/en/consultations/booking/C9999999/",
        f"/en/lab-visits/{visit_pk + 1000}/",
        f"/en/lab-visits/{visit_pk + 1000}/ticket/",
        f"/en/consultations/booking/{world['consultation'].reference}/attachments/guess/",
    ):
        assert get_as(user, url).status_code == 404


# The public REST API (/api/v1/): read-only and the same for every role. Whoever asks, no
# answer carries a booking's topic or purpose, a ticket code, an account's e-mail address
# or a contact's phone number.
API_ROUTES = ("campaigns", "activities", "institutions", "experts")


@pytest.mark.parametrize("role", ROLES)
def test_the_api_is_public_and_shows_no_booking_or_contact(world, role):
    user = world["users"].get(role) if role else None
    secrets = [
        SECRET_TOPIC,
        SECRET_PURPOSE,
        world["visit"].ticket_code,
        world["visit"].contact_phone,
        world["consultation"].contact_phone,
        *(u.email for u in world["users"].values()),
    ]
    bodies = []
    for route in API_ROUTES:
        response = get_as(user, f"/api/v1/{route}?lang=en")
        assert response.status_code == 200, (role, route)
        assert "public" in response["Cache-Control"]
        bodies.append(response.content.decode())
    for secret in secrets:
        assert all(secret not in body for body in bodies), secret
    # A write is not an operation of the API.
    assert post_as(user, "/api/v1/experts").status_code == 405
