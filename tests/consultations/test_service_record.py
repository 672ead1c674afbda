"""The service record (服务记录单) PDF of a completed consultation: for its two parties only,
with the record's facts in the text."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Consultation
from consultations.record import record_number
from tests import factories
from tests.consultations.test_booking_support import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(site_tree):
    return World()


def url(name, language="zh-hans", **kwargs):
    with translation.override(language):
        return reverse(f"consultations:{name}", kwargs=kwargs)


def completed(world: World) -> Consultation:
    consultation = world.consultation(
        state="confirmed",
        topic="座椅安全带检测咨询",
        description="新产品需要按国标做型式试验，想先了解要求。",
        product_or_standard="GB 14166",
        mode="centre",
    )
    Consultation.objects.filter(pk=consultation.pk).update(
        state="completed",
        summary="讲解了 GB 14166 的试验项目与样品准备。",
        recommendations="先做一轮预测试再送检。",
        completed_at=timezone.now(),
    )
    consultation.refresh_from_db()
    return consultation


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    ("language", "title", "mode", "signature"),
    [
        ("zh-hans", "服务记录单", "服务中心", "专家签字："),
        ("en", "Consultation service record", "service centre", "Expert's signature: "),
    ],
)
def test_service_record_downloads_for_both_parties_with_its_facts(
    client, world, language, title, mode, signature
):
    consultation = completed(world)
    record = url("record", language, reference=consultation.reference)
    for user in (world.owner, world.expert_user):
        client.force_login(user)
        response = client.get(record)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
        text = pdf_text(response.content)
        for fact in (
            title,
            record_number(consultation),
            consultation.enterprise.name,
            world.expert.name,
            "座椅安全带检测咨询",
            "GB 14166",
            "讲解了 GB 14166 的试验项目与样品准备。",
            "先做一轮预测试再送检。",
            f"{timezone.localtime(consultation.starts_at):%Y-%m-%d %H:%M}",
        ):
            assert fact in text, (fact, text)
        assert mode in text
        assert signature in text  # a line for each side to sign
        # The detail page links to it.
        page = client.get(url("detail", language, reference=consultation.reference))
        assert record in page.content.decode()


def test_service_record_refused_to_everyone_else(client, world):
    consultation = completed(world)
    record = url("record", reference=consultation.reference)
    viewer = factories.UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_consultation"))
    other_owner = factories.UserFactory()
    factories.EnterpriseFactory(owner=other_owner)
    for user in (world.stranger, other_owner, world.staff, viewer):
        client.force_login(user)
        assert client.get(record).status_code == 404, user
        page = client.get(url("detail", reference=consultation.reference))
        assert record not in page.content.decode()
    client.logout()
    assert client.get(record).status_code == 404


@pytest.mark.parametrize("state", ["requested", "confirmed", "cancelled", "no_show"])
def test_no_service_record_before_completion(client, world, state):
    consultation = world.consultation(state="requested")
    Consultation.objects.filter(pk=consultation.pk).update(state=state)
    client.force_login(world.owner)
    assert client.get(url("record", reference=consultation.reference)).status_code == 404
    page = client.get(url("detail", reference=consultation.reference))
    assert url("record", reference=consultation.reference) not in page.content.decode()
