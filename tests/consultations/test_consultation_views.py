"""Booking pages with the Django client, in both languages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from consultations.models import Consultation
from consultations.services import booking
from tests import factories
from tests.consultations.test_booking_support import (  # noqa: F401
    PNG,
    World,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(site_tree):
    return World()


def url(name, language="zh-hans", **kwargs):
    with translation.override(language):
        return reverse(f"consultations:{name}", kwargs=kwargs or None)


FORM = {
    "service": "consulting",
    "field": "automotive",
    "topic": "安全带认证",
    "description": "想了解流程",
    "product_or_standard": "GB 14166",
    "contact_name": "王经理",
    "contact_phone": "+8613800001111",
}


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "技术咨询"), ("en", "Technical consulting")]
)
def test_request_page_prefills_from_enterprise(client, world, language, text):
    client.force_login(world.owner)
    slot = world.slot()
    response = client.get(url("request", language) + f"?slot={slot.pk}&service=consulting")
    assert response.status_code == 200
    body = response.content.decode()
    assert "138 0000 1111" in body and "+8613800001111" not in body  # grouped, no +86
    assert text in body
    assert 'enctype="multipart/form-data"' in body


def test_request_without_enterprise_goes_to_start(client, world):
    client.force_login(world.stranger)
    response = client.get(url("request"))
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:start")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_request_post_creates_and_shows_detail(client, world, language):
    client.force_login(world.owner)
    slot = world.slot()
    response = client.post(
        url("request", language),
        {**FORM, "slot": slot.pk, "attachments": [upload("photo.pdf", PNG)]},
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", language, reference=consultation.reference)
    assert consultation.language == language
    assert consultation.attachments.get().content_type == "image/png"
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert consultation.reference in detail.content.decode()


def test_slot_taken_shows_message_and_other_slots(client, world):
    taken = world.consultation()
    free = world.slot()
    client.force_login(world.owner)
    response = client.post(url("request", "en"), {**FORM, "slot": taken.slot.pk})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Someone else has just booked this time" in body
    assert f"?slot={free.pk}" in body
    assert Consultation.objects.count() == 1


def test_exe_attachment_is_a_form_error(client, world):
    client.force_login(world.owner)
    response = client.post(
        url("request", "en"),
        {**FORM, "attachments": [upload("virus.pdf", b"MZ\x90\x00rest")]},
    )
    assert response.status_code == 400
    assert "is not a PDF, PNG or JPEG file" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Consultation.objects.exists()


def test_detail_visible_to_parties_and_staff_only(client, world):
    consultation = world.consultation()
    detail = url("detail", reference=consultation.reference)
    for user in (world.owner, world.expert_user, world.staff):
        client.force_login(user)
        assert client.get(detail).status_code == 200, user
    viewer = factories.UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_consultation"))
    client.force_login(viewer)
    assert client.get(detail).status_code == 200
    other_owner = factories.UserFactory()
    factories.EnterpriseFactory(owner=other_owner)
    for user in (world.stranger, other_owner):
        client.force_login(user)
        assert client.get(detail).status_code == 404
    client.logout()
    assert client.get(detail).status_code == 404
    assert client.get(url("detail", reference="CNOSUCH00")).status_code == 404


def test_detail_shows_the_contact_phone_grouped_to_the_parties(client, world):
    consultation = world.consultation()
    detail = url("detail", reference=consultation.reference)
    for user in (world.owner, world.expert_user):
        client.force_login(user)
        html = client.get(detail).content.decode()
        assert "138 0000 1111" in html and "8613800001111" not in html, user


def test_request_stores_a_full_width_phone_as_a_number_texts_can_reach(client, world):
    client.force_login(world.owner)
    response = client.post(
        url("request", "en"),
        {**FORM, "slot": world.slot().pk, "contact_phone": "１３８\u3000００００－１１１１"},
    )
    assert response.status_code == 302
    assert Consultation.objects.get().contact_phone == "+8613800001111"


def test_expert_confirms_and_enterprise_cancels_through_the_page(client, world):
    consultation = world.consultation()
    client.force_login(world.expert_user)
    page = client.get(url("detail", "en", reference=consultation.reference)).content.decode()
    assert url("confirm", "en", reference=consultation.reference) in page
    response = client.post(url("confirm", "en", reference=consultation.reference))
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == "confirmed"

    client.force_login(world.owner)
    # A reason is required: nothing changes without one.
    client.post(url("cancel", reference=consultation.reference), {"reason": ""})
    consultation.refresh_from_db()
    assert consultation.state == "confirmed"
    client.post(url("cancel", reference=consultation.reference), {"reason": "改期"})
    consultation.refresh_from_db()
    assert consultation.state == "cancelled"


def test_stranger_cannot_post_actions(client, world):
    consultation = world.consultation()
    client.force_login(world.stranger)
    assert client.post(url("confirm", reference=consultation.reference)).status_code == 404
    consultation.refresh_from_db()
    assert consultation.state == "requested"


def test_attachment_download_for_parties_only(client, world):
    consultation = booking.consultation_request(
        enterprise=world.enterprise,
        user=world.owner,
        service="consulting",
        topic="t",
        description="d",
        contact_name="王经理",
        contact_phone="+8613800001111",
        slot=world.slot(),
        files=[upload("检测报告.pdf", PNG)],
    )
    attachment = consultation.attachments.get()
    link = url("attachment", reference=consultation.reference, token=attachment.token)
    for user in (world.owner, world.expert_user):
        client.force_login(user)
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PNG
    client.force_login(world.stranger)
    assert client.get(link).status_code == 404
    client.force_login(world.owner)
    wrong = url("attachment", reference=consultation.reference, token="0" * 32)
    assert client.get(wrong).status_code == 404


def test_ics_download(client, world):
    consultation = world.consultation(state="confirmed")
    client.force_login(world.owner)
    response = client.get(url("ics", "en", reference=consultation.reference))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"consultation-{consultation.reference}@".encode() in response.content
    client.force_login(world.stranger)
    assert client.get(url("ics", reference=consultation.reference)).status_code == 404


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", 'lang="zh-hans"'), ("en", 'lang="en"')]
)
def test_list_mine_and_expert_dashboard(client, world, language, title):
    requested = world.consultation()
    other = factories.ConsultationFactory()
    client.force_login(world.owner)
    page = client.get(url("list_mine", language)).content.decode()
    assert requested.reference in page and other.reference not in page
    client.force_login(world.expert_user)
    response = client.get(url("expert_dashboard", language))
    assert response.status_code == 200
    body = response.content.decode()
    assert requested.reference in body and other.reference not in body
    client.force_login(world.stranger)
    assert client.get(url("expert_dashboard", language)).status_code == 404
