"""The migrations that made functional zones a field of their own keep every row: an
enterprise, institution, expert or activity stored with "liangjiang" or "gaoxin" as its
district gets that zone and the district the zone mostly lies in (its page revisions too),
and back; the plan's fields are added without touching the fields already chosen."""

from __future__ import annotations

import pytest

from experts.models import Expert, InstitutionPage
from tests import factories
from tests.migrations import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [
    ("portal", "0003_heartbeat"),
    ("experts", "0001_initial"),
    ("enterprises", "0003_verified_name_unique"),
    ("events", "0017_registration_browser_key"),
]
AFTER = [
    ("portal", "0004_vocabularies_zones"),
    ("experts", "0002_vocabularies_zones"),
    ("enterprises", "0004_vocabularies_zones"),
    ("events", "0018_vocabularies_zones"),
]
OLD_FIELDS = [
    "automotive", "electronics", "materials", "food", "environment",
    "medical", "engineering", "equipment", "energy", "consumer",
]  # fmt: skip


def test_zones_stored_as_districts_move_to_the_zone_field_and_back(transactional_site_tree):
    tree = transactional_site_tree
    enterprise = factories.EnterpriseFactory(district="banan")
    institution = factories.InstitutionPageFactory(parent=tree.zh.institutions)
    institution.fields.set(factories.SectorField.objects.filter(code__in=["food", "medical"]))
    institution.save_revision().publish()
    expert = factories.ExpertFactory()
    activity = factories.ActivityPageFactory(parent=tree.zh.campaign)
    plain = factories.EnterpriseFactory(district="nanan")

    try:
        old = migrate(BEFORE)
        old.get_model("enterprises", "Enterprise").objects.filter(pk=enterprise.pk).update(
            district="liangjiang"
        )
        old.get_model("experts", "InstitutionPage").objects.filter(pk=institution.pk).update(
            district="gaoxin"
        )
        old.get_model("experts", "Expert").objects.filter(pk=expert.pk).update(
            district="liangjiang"
        )
        old.get_model("events", "ActivityPage").objects.filter(pk=activity.pk).update(
            district="gaoxin"
        )
        Revision = old.get_model("wagtailcore", "Revision")
        revision = Revision.objects.get(pk=institution.latest_revision_id)
        revision.content = {**revision.content, "district": "gaoxin"}
        revision.save()
        # A database from before the plan's fields: the ten first rows only (going back
        # keeps rows that may be in use, so the test removes the unused new ones itself).
        old_fields = old.get_model("portal", "SectorField").objects
        old_fields.exclude(code__in=OLD_FIELDS).delete()
        assert old_fields.count() == 10

        new = migrate(AFTER)
        rows = {
            "enterprise": new.get_model("enterprises", "Enterprise").objects.get(pk=enterprise.pk),
            "institution": new.get_model("experts", "InstitutionPage").objects.get(
                pk=institution.pk
            ),
            "expert": new.get_model("experts", "Expert").objects.get(pk=expert.pk),
            "activity": new.get_model("events", "ActivityPage").objects.get(pk=activity.pk),
            "plain": new.get_model("enterprises", "Enterprise").objects.get(pk=plain.pk),
        }
        assert {name: (row.district, row.zone) for name, row in rows.items()} == {
            "enterprise": ("yubei", "liangjiang"),
            "institution": ("jiulongpo", "gaoxin"),
            "expert": ("yubei", "liangjiang"),
            "activity": ("jiulongpo", "gaoxin"),
            "plain": ("nanan", ""),
        }
        content = new.get_model("wagtailcore", "Revision").objects.get(pk=revision.pk).content
        assert (content["district"], content["zone"]) == ("jiulongpo", "gaoxin")
        fields = new.get_model("portal", "SectorField").objects
        assert fields.count() == 17
        assert list(fields.order_by("sort_order").values_list("code", flat=True)[:3]) == [
            "automotive",
            "electronics",
            "materials",
        ]
        assert sorted(rows["institution"].fields.values_list("code", flat=True)) == [
            "food",
            "medical",
        ]

        back = migrate(BEFORE)
        assert (
            back.get_model("enterprises", "Enterprise").objects.get(pk=enterprise.pk).district
            == "liangjiang"
        )
        assert (
            back.get_model("experts", "InstitutionPage").objects.get(pk=institution.pk).district
            == "gaoxin"
        )
    finally:
        migrate_to_latest()
    assert InstitutionPage.objects.get(pk=institution.pk).zone == "gaoxin"
    assert Expert.objects.get(pk=expert.pk).zone == "liangjiang"
