"""Personal data of needs: the contact a member gave is in their export, overwritten when
their account goes and once the need's deadline is past the retention time."""

from __future__ import annotations

import datetime

from django.utils import timezone

from needs.models import Need
from portal.privacy import ANONYMISED_NAME, personal_data_export, personal_data_purge
from tests.needs.factories import NeedFactory, OfferFactory


def test_export_lists_the_users_needs_and_offers(owner_a, institution):
    need = NeedFactory(enterprise=owner_a.enterprise, posted_by=owner_a)
    OfferFactory(need=need, institution=institution.page, submitted_by=institution.contact)
    mine = personal_data_export(user=owner_a)["needs"]
    assert [(p["kind"], p["contact_phone"]) for p in mine] == [("need", "+8613800001111")]
    theirs = personal_data_export(user=institution.contact)["needs"]
    assert [(p["kind"], p["responder"]) for p in theirs] == [("offer", institution.page.title)]


def test_account_deletion_overwrites_the_contact_keeps_the_need(client, owner_a):
    need = NeedFactory(enterprise=owner_a.enterprise, posted_by=owner_a)
    client.force_login(owner_a)
    response = client.post(
        "/en/accounts/delete-account/", {"password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.posted_by is None
    assert (need.contact_name, need.contact_phone) == (ANONYMISED_NAME, "")


def test_purge_overwrites_contacts_of_needs_long_past_their_deadline(db, settings):
    today = timezone.localdate()
    days = settings.PERSONAL_DATA_RETENTION_DAYS
    old = NeedFactory(deadline=today - datetime.timedelta(days=days + 2))
    recent = NeedFactory(deadline=today - datetime.timedelta(days=days - 2))
    assert personal_data_purge()["needs"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.contact_phone == "" and old.contact_name == ANONYMISED_NAME
    assert recent.contact_phone == "+8613800001111"
    assert personal_data_purge()["needs"] == 0
    assert Need.objects.count() == 2
