"""Files in S3-compatible object storage, against a real S3 server on loopback
(``object_storage``: moto, started once per session, ``tests/objectstore.py``), and public
media with DEBUG off, from the object store or from MEDIA_ROOT for the reverse proxy."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from consultations.models import Consultation
from demo.images import render_banner
from portal.choices import District
from stats import reports
from stats.models import ReportJob
from stats.services import stats_refresh
from tests.consultations.test_booking_support import PNG, World, upload
from tests.consultations.test_consultation_views import FORM
from tests.consultations.test_consultation_views import url as consultation_url
from tests.stats.test_dashboard import build_dashboard_data
from tests.stats.test_reports import open_workbook

pytestmark = pytest.mark.django_db

HERO_IMAGE = re.compile(r'<img [^>]*class="hero__image"[^>]*>')
SRC = re.compile(r'src="([^"]+)"')


def anonymous_get(url: str) -> requests.Response:
    """A plain HTTP GET without credentials, as a browser (or anyone) would send it."""
    return requests.get(url, timeout=10)


def test_attachment_sent_with_the_form_is_a_private_object_streamed_to_the_parties_only(
    client, site_tree, object_storage
):
    world = World()
    content = PNG + os.urandom(300_000)
    client.force_login(world.owner)
    response = client.post(
        consultation_url("request", "en"),
        {**FORM, "slot": world.slot().pk, "attachments": [upload("检测报告.png", content)]},
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    attachment = consultation.attachments.get()

    key = f"private/consultations/{consultation.pk}/{attachment.token}"
    assert object_storage.keys() == [key]
    link = consultation_url("attachment", reference=consultation.reference, token=attachment.token)
    for user in (world.owner, world.expert_user):
        client.force_login(user)
        download = client.get(link)
        assert download.status_code == 200
        assert download["Content-Type"] == "image/png"
        assert download["Cache-Control"] == "private, no-store"
        assert b"".join(download.streaming_content) == content

    client.force_login(world.stranger)
    assert client.get(link).status_code == 404
    client.logout()
    assert client.get(link).status_code in (302, 404)
    # Straight from the object store, without the portal's credentials: refused.
    direct = anonymous_get(object_storage.direct_url(key))
    assert direct.status_code == 403
    assert content[:1000] not in direct.content


def test_report_workbook_is_written_to_object_storage_and_downloaded_through_the_portal(
    client, site_tree, staff_editor, object_storage, django_capture_on_commit_callbacks
):
    build_dashboard_data(site_tree)
    stats_refresh()
    client.force_login(staff_editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("stats_admin:report_start"), {"district": District.BANAN})
    job = ReportJob.objects.get()
    assert job.state == ReportJob.State.DONE

    key = f"private/{job.file.name}"
    assert object_storage.keys() == [key]
    assert key.startswith(f"private/reports/{job.token}/") and key.endswith(".xlsx")
    stored = object_storage.server.client().get_object(Bucket=object_storage.bucket, Key=key)
    stored_bytes = stored["Body"].read()

    download = client.get(reverse("stats_admin:report_download", args=[job.token]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content == stored_bytes
    assert "Open day by activity" in open_workbook(content).sheetnames
    assert anonymous_get(object_storage.direct_url(key)).status_code == 403

    # Past retention, the purge removes the object with the job.
    later = timezone.now() + timedelta(days=365)
    assert reports.report_jobs_purge(now=later) == 1
    assert object_storage.keys() == []


def test_rendition_of_a_seeded_image_is_served_by_the_object_store_with_debug_off(
    client, site_tree, object_storage
):
    image = get_image_model()(
        title="Demo: home hero",
        file=ImageFile(
            io.BytesIO(render_banner("#0b3d6e", "#1c8c8c", "rings", 1)), name="home-hero.jpg"
        ),
    )
    image.save()
    home = site_tree.zh.home
    home.hero_image = image
    home.save()

    with override_settings(DEBUG=False):
        page = client.get(home.url)
    assert page.status_code == 200
    tag = HERO_IMAGE.search(page.content.decode())
    assert tag, "the home page shows its hero image"
    src = SRC.search(tag.group(0)).group(1)
    media_url = f"{object_storage.server.url}/{object_storage.bucket}/media/"
    assert src.startswith(media_url + "images/")
    # The page's Content-Security-Policy lets the browser load it from there.
    img_src = next(
        d for d in page["Content-Security-Policy"].split(";") if d.strip().startswith("img-src")
    )
    assert object_storage.server.url in img_src.split()

    rendition = anonymous_get(src)
    assert rendition.status_code == 200
    assert rendition.headers["Content-Type"] == "image/jpeg"
    assert PILImage.open(io.BytesIO(rendition.content)).size == (1600, 600)


def test_wagtail_document_is_private_in_the_object_store_and_served_by_the_portal(
    client, site_tree, object_storage
):
    content = b"%PDF-1.4\n% inspection guide\n" + os.urandom(2000)
    document = get_document_model()(title="Guide", file=ContentFile(content, name="guide.pdf"))
    document.save()

    key = f"media/{document.file.name}"
    assert key in object_storage.keys("media/documents/")
    assert anonymous_get(object_storage.direct_url(key)).status_code == 403
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content


def test_without_object_storage_renditions_are_files_under_media_root_for_the_proxy(
    client, site_tree, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    image = get_image_model()(
        title="Demo: news",
        file=ImageFile(io.BytesIO(render_banner("#24385b", "#6c8ebf", "grid", 9)), name="n.jpg"),
    )
    image.save()
    home = site_tree.zh.home
    home.hero_image = image
    home.save()

    with override_settings(DEBUG=False):
        page = client.get(home.url).content.decode()
    src = SRC.search(HERO_IMAGE.search(page).group(0)).group(1)
    # The reverse proxy maps /media/ to MEDIA_ROOT (README, "Media files").
    assert src.startswith("/media/images/")
    served = settings.MEDIA_ROOT / src.removeprefix("/media/")
    assert PILImage.open(served).size == (1600, 600)
    # The portal itself serves no media with DEBUG off.
    assert client.get(src).status_code == 404
