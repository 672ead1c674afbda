"""Regulator staff in the Wagtail admin ("Enterprise services"): lists with filters,
exports with masked phones, marking enterprises verified, assigning experts, visit slots."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Consultation, ConsultationChange
from enterprises.models import Enterprise
from labvisits.models import LabVisit, VisitSlot
from portal.choices import District
from tests import factories
from tests.staff.conftest import (
    DIGITS,
    FULL,
    MASKED,
    MASKED_EXPORT,
    PHONE,
    make_consultation,
    make_visit,
)

pytestmark = pytest.mark.django_db

ENTERPRISES = "enterprise_services_enterprises"
CONSULTATIONS = "enterprise_services_consultations"
LAB_VISITS = "enterprise_services_lab_visits"
VISIT_SLOTS = "enterprise_services_visit_slots"
INSTRUMENTS = "enterprise_services_instruments"
NEEDS = "enterprise_services_needs"


def admin_url(namespace: str, name: str, *args) -> str:
    return reverse(f"{namespace}:{name}", args=args)


def assert_refused_by_admin(response):
    """Wagtail's admin answers a permission refusal with a redirect to its dashboard."""
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def download(client, url: str, export_format: str, params=None) -> bytes:
    response = client.get(url, {**(params or {}), "export": export_format})
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


# --- The menu and who reaches the lists -----------------------------------------------------


def test_menu_group_lists_the_enterprise_services_for_an_editor(client, editor):
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Enterprise services" in html
    for namespace in (ENTERPRISES, CONSULTATIONS, LAB_VISITS, VISIT_SLOTS, NEEDS):
        assert admin_url(namespace, "index") in html


def test_menu_group_keeps_its_items_in_order(rf, editor):
    """Each app registers its own item into the group; the group shows them in the order
    editors know: consultations, lab visits, visit slots, enterprises, shared instruments,
    supply-demand needs."""
    from wagtail.admin.menu import admin_menu

    # Reversing loads the admin's URLs, which registers the viewsets and their menu items.
    namespaces = (CONSULTATIONS, LAB_VISITS, VISIT_SLOTS, ENTERPRISES, INSTRUMENTS, NEEDS)
    urls = [admin_url(ns, "index") for ns in namespaces]
    request = rf.get("/")
    request.user = editor
    with translation.override("en"):
        [group] = [
            item
            for item in admin_menu.menu_items_for_request(request)
            if str(item.label) == "Enterprise services"
        ]
        items = sorted(group.menu.menu_items_for_request(request), key=lambda i: i.order)
        labels = [str(i.label) for i in items]
    assert [i.url for i in items] == urls
    assert labels == [
        "Consultations",
        "Lab visits",
        "Visit slots",
        "Enterprises",
        "Shared instruments",
        "Supply-demand needs",
    ]


def test_admin_user_without_permissions_is_refused_every_list(client, admin_only_user):
    client.force_login(admin_only_user)
    for namespace in (ENTERPRISES, CONSULTATIONS, LAB_VISITS, VISIT_SLOTS, INSTRUMENTS, NEEDS):
        assert_refused_by_admin(client.get(admin_url(namespace, "index")))


def test_institution_contact_cannot_use_the_admin(client, lab):
    contact = factories.InstitutionContactFactory(institution=lab.institution).user
    client.force_login(contact)
    response = client.get(admin_url(LAB_VISITS, "index"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


# --- Consultations --------------------------------------------------------------------------


def test_consultation_list_filters_and_marks_unverified_enterprises(
    client, approver, django_assert_max_num_queries
):
    unverified = make_consultation(topic="安全带认证")
    verified = make_consultation(topic="座椅诊断", state=Consultation.State.CONFIRMED)
    verified.enterprise.is_verified = True
    verified.enterprise.district = District.YUBEI
    verified.enterprise.zone = "liangjiang"
    verified.enterprise.save()
    for _ in range(5):
        make_consultation()
    client.force_login(approver)

    with django_assert_max_num_queries(30):
        response = client.get(admin_url(CONSULTATIONS, "index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert unverified.reference in html and verified.reference in html
    assert "Not verified" in html

    response = client.get(admin_url(CONSULTATIONS, "index"), {"state": "confirmed"})
    listed = {c.pk for c in response.context["object_list"]}
    assert listed == {verified.pk}

    response = client.get(admin_url(CONSULTATIONS, "index"), {"district": "yubei"})
    assert {c.pk for c in response.context["object_list"]} == {verified.pk}
    response = client.get(admin_url(CONSULTATIONS, "index"), {"zone": "liangjiang"})
    assert {c.pk for c in response.context["object_list"]} == {verified.pk}

    response = client.get(admin_url(CONSULTATIONS, "index"), {"q": "安全带"})
    assert {c.pk for c in response.context["object_list"]} == {unverified.pk}


def test_consultation_list_filters_by_expert_date_and_escalation(client, editor):
    soon = make_consultation()
    later = make_consultation()
    later_start = soon.starts_at + datetime.timedelta(days=20)
    Consultation.objects.filter(pk=later.pk).update(
        starts_at=later_start,
        ends_at=later_start + datetime.timedelta(hours=1),
        escalated_at=timezone.now(),
    )
    client.force_login(editor)
    index = admin_url(CONSULTATIONS, "index")

    response = client.get(index, {"expert": soon.expert_id})
    assert {c.pk for c in response.context["object_list"]} == {soon.pk}
    day = timezone.localtime(later_start).date().isoformat()
    response = client.get(index, {"starts_at_from": day, "starts_at_to": day})
    assert {c.pk for c in response.context["object_list"]} == {later.pk}
    response = client.get(index, {"escalated": "true"})
    assert {c.pk for c in response.context["object_list"]} == {later.pk}


def test_consultation_list_query_count_does_not_grow_with_rows(client, approver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_consultation()
    client.force_login(approver)
    with CaptureQueriesContext(connection) as few:
        client.get(admin_url(CONSULTATIONS, "index"))
    for _ in range(6):
        make_consultation()
    with CaptureQueriesContext(connection) as many:
        client.get(admin_url(CONSULTATIONS, "index"))
    assert len(many.captured_queries) == len(few.captured_queries)


CONSULTATION_HEADER_START = ["Reference", "State", "Service", "Field", "Topic", "Enterprise"]


def test_consultation_csv_masks_phones_for_an_editor(client, editor):
    consultation = make_consultation(topic="=HYPERLINK(1)")
    client.force_login(editor)
    content = download(client, admin_url(CONSULTATIONS, "index"), "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert list(rows[0])[:6] == CONSULTATION_HEADER_START
    assert len(rows) == 1
    assert rows[0]["Reference"] == consultation.reference
    assert rows[0]["Contact phone"] == MASKED_EXPORT
    assert rows[0]["Topic"] == "'=HYPERLINK(1)"
    assert rows[0]["Enterprise verified"] == "Not verified"
    assert DIGITS not in content.decode("utf-8-sig")


def test_consultation_xlsx_has_dates_and_numbers_and_masks_for_an_editor(client, editor):
    consultation = make_consultation(state=Consultation.State.COMPLETED, rating=4)
    client.force_login(editor)
    sheet = openpyxl.load_workbook(
        io.BytesIO(download(client, admin_url(CONSULTATIONS, "index"), "xlsx"))
    ).active
    rows = list(sheet.values)
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:6] == tuple(CONSULTATION_HEADER_START)
    assert row["Reference"] == consultation.reference
    assert row["Rating"] == 4
    assert isinstance(row["Starts at"], datetime.datetime)
    expected = timezone.make_naive(consultation.starts_at).replace(microsecond=0)
    assert row["Starts at"].replace(microsecond=0) == expected
    assert row["Contact phone"] == MASKED_EXPORT


def test_consultation_xlsx_shows_full_phones_to_an_approver(client, approver):
    make_consultation()
    client.force_login(approver)
    sheet = openpyxl.load_workbook(
        io.BytesIO(download(client, admin_url(CONSULTATIONS, "index"), "xlsx"))
    ).active
    rows = list(sheet.values)
    assert dict(zip(rows[0], rows[1], strict=True))["Contact phone"] == DIGITS


def test_consultation_export_follows_the_filters(client, editor):
    make_consultation(state=Consultation.State.CANCELLED)
    kept = make_consultation()
    client.force_login(editor)
    content = download(client, admin_url(CONSULTATIONS, "index"), "csv", {"state": "requested"})
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["Reference"] for r in rows] == [kept.reference]


def test_consultation_detail_and_enterprise_list_show_full_phones_grouped(client, approver):
    consultation = make_consultation()
    factories.EnterpriseFactory(contact_phone=PHONE)
    client.force_login(approver)
    html = client.get(admin_url(CONSULTATIONS, "inspect", consultation.pk)).content.decode()
    assert FULL in html and DIGITS not in html
    html = client.get(admin_url(ENTERPRISES, "index")).content.decode()
    assert FULL in html and DIGITS not in html


def test_consultation_detail_shows_the_timeline_and_masks_the_phone(client, editor):
    consultation = make_consultation()
    ConsultationChange.objects.create(
        consultation=consultation,
        event="requested",
        from_state="",
        to_state="requested",
        note="首次申请",
    )
    client.force_login(editor)
    response = client.get(admin_url(CONSULTATIONS, "inspect", consultation.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Timeline" in html and "首次申请" in html
    assert MASKED in html and DIGITS not in html
    # An editor may not assign: no button.
    assert admin_url(CONSULTATIONS, "assign", consultation.pk) not in html


def test_approver_assigns_another_expert_on_a_free_slot(client, approver):
    consultation = make_consultation()
    other_slot = factories.SlotFactory()
    client.force_login(approver)
    url = admin_url(CONSULTATIONS, "assign", consultation.pk)
    form = client.get(url).context["form"]
    assert other_slot in form.fields["slot"].queryset
    assert consultation.slot not in form.fields["slot"].queryset  # held by this request

    response = client.post(url, {"expert": other_slot.expert_id, "slot": other_slot.pk})

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.expert_id == other_slot.expert_id
    assert consultation.slot_id == other_slot.pk
    assert consultation.state == Consultation.State.REQUESTED
    change = ConsultationChange.objects.filter(consultation=consultation).last()
    assert change.event == "assigned" and change.changed_by == approver


def test_assign_reports_the_services_refusal(client, approver):
    consultation = make_consultation()
    other_slot = factories.SlotFactory()
    client.force_login(approver)
    url = admin_url(CONSULTATIONS, "assign", consultation.pk)

    # A slot of another expert than the one chosen.
    response = client.post(url, {"expert": consultation.expert_id, "slot": other_slot.pk})
    assert response.status_code == 200
    assert "This time belongs to another expert." in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.slot_id != other_slot.pk

    # A consultation that has ended cannot be assigned.
    Consultation.objects.filter(pk=consultation.pk).update(state=Consultation.State.CANCELLED)
    response = client.post(url, {"expert": other_slot.expert_id})
    assert response.status_code == 200
    assert "not possible while the consultation is cancelled" in response.content.decode()


def test_editor_may_not_assign(client, editor):
    consultation = make_consultation()
    client.force_login(editor)
    url = admin_url(CONSULTATIONS, "assign", consultation.pk)
    assert_refused_by_admin(client.get(url))
    assert_refused_by_admin(client.post(url, {"expert": consultation.expert_id}))


# --- Enterprises --------------------------------------------------------------------------------


def test_enterprise_list_filters_and_masks_phones(client, editor):
    banan = factories.EnterpriseFactory(contact_phone=PHONE)
    yubei = factories.EnterpriseFactory(
        district=District.YUBEI, zone="liangjiang", is_verified=True
    )
    client.force_login(editor)
    index = admin_url(ENTERPRISES, "index")

    html = client.get(index).content.decode()
    assert banan.name in html and MASKED in html and DIGITS not in html
    response = client.get(index, {"is_verified": "true"})
    assert {e.pk for e in response.context["object_list"]} == {yubei.pk}
    response = client.get(index, {"district": "banan"})
    assert {e.pk for e in response.context["object_list"]} == {banan.pk}
    response = client.get(index, {"zone": "liangjiang"})
    assert {e.pk for e in response.context["object_list"]} == {yubei.pk}
    response = client.get(index, {"q": banan.credit_code})
    assert {e.pk for e in response.context["object_list"]} == {banan.pk}


def test_approver_marks_an_enterprise_verified_and_removes_the_mark(client, approver):
    enterprise = factories.EnterpriseFactory()
    client.force_login(approver)
    url = admin_url(ENTERPRISES, "verify", enterprise.pk)

    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.is_verified
    assert enterprise.verified_by == approver and enterprise.verified_at is not None

    client.post(url)
    enterprise.refresh_from_db()
    assert not enterprise.is_verified


def test_editor_may_not_verify_and_sees_no_button(client, editor):
    enterprise = factories.EnterpriseFactory()
    client.force_login(editor)
    url = admin_url(ENTERPRISES, "verify", enterprise.pk)
    html = client.get(admin_url(ENTERPRISES, "inspect", enterprise.pk)).content.decode()
    assert url not in html
    assert_refused_by_admin(client.post(url))
    assert not Enterprise.objects.get(pk=enterprise.pk).is_verified


# --- Lab visits and visit slots -------------------------------------------------------------------


def test_lab_visit_list_filters_by_state_institution_and_date(
    client, editor, lab, site_tree, django_assert_max_num_queries
):
    near = make_visit(lab, days=3)
    far = make_visit(lab, days=12, state=LabVisit.State.APPROVED)
    other_lab = factories.LabFactory(
        institution=factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    )
    elsewhere = make_visit(other_lab, days=3)
    client.force_login(editor)
    index = admin_url(LAB_VISITS, "index")

    with django_assert_max_num_queries(30):
        response = client.get(index)
    assert {v.pk for v in response.context["object_list"]} == {near.pk, far.pk, elsewhere.pk}
    response = client.get(index, {"state": "approved"})
    assert {v.pk for v in response.context["object_list"]} == {far.pk}
    response = client.get(index, {"institution": lab.institution_id})
    assert {v.pk for v in response.context["object_list"]} == {near.pk, far.pk}
    day = timezone.localtime(far.slot.starts_at).date().isoformat()
    response = client.get(index, {"date_from": day, "date_to": day})
    assert {v.pk for v in response.context["object_list"]} == {far.pk}


def test_lab_visit_exports_mask_phones_and_keep_numbers(client, editor, lab):
    visit = make_visit(lab, group_size=4)
    client.force_login(editor)
    index = admin_url(LAB_VISITS, "index")

    rows = list(csv.DictReader(io.StringIO(download(client, index, "csv").decode("utf-8-sig"))))
    assert rows[0]["Ticket code"] == visit.ticket_code
    assert rows[0]["Contact phone"] == MASKED_EXPORT
    assert rows[0]["Lab"] == lab.name_en  # the admin speaks English to this user

    sheet = openpyxl.load_workbook(io.BytesIO(download(client, index, "xlsx"))).active
    values = list(sheet.values)
    row = dict(zip(values[0], values[1], strict=True))
    assert row["Number of visitors"] == 4
    assert isinstance(row["Starts at"], datetime.datetime)
    assert row["Contact phone"] == MASKED_EXPORT


def test_lab_visit_detail_masks_the_phone(client, editor, lab):
    visit = make_visit(lab)
    client.force_login(editor)
    html = client.get(admin_url(LAB_VISITS, "inspect", visit.pk)).content.decode()
    assert visit.ticket_code in html and MASKED in html and DIGITS not in html


def test_staff_add_a_visit_slot_for_any_lab(client, editor, lab, site_tree):
    other_lab = factories.LabFactory(
        institution=factories.InstitutionPageFactory(parent=site_tree.zh.institutions),
        accepts_visits=False,
    )
    client.force_login(editor)
    add = admin_url(VISIT_SLOTS, "add")
    form = client.get(add).context["form"]
    assert {lab, other_lab} <= set(form.fields["lab"].queryset)

    day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        add,
        {
            "lab": other_lab.pk,
            "starts_at": f"{day} 09:00",
            "ends_at": f"{day} 11:00",
            "capacity": 12,
            "note": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    slot = VisitSlot.objects.get(lab=other_lab)
    assert slot.capacity == 12

    html = client.get(admin_url(VISIT_SLOTS, "index")).content.decode()
    assert other_lab.name_en in html


def test_visit_slot_form_refuses_an_end_before_the_start(client, editor, lab):
    client.force_login(editor)
    day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        admin_url(VISIT_SLOTS, "add"),
        {"lab": lab.pk, "starts_at": f"{day} 11:00", "ends_at": f"{day} 09:00", "capacity": 5},
    )
    assert response.status_code == 200
    assert not VisitSlot.objects.exists()
