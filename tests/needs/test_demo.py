"""The demo's needs board: needs of three enterprises, offers, one accepted, one expired;
seeding again duplicates nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demo.builder import seed_demo
from needs.models import Need, Offer
from needs.selectors import need_board, need_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_needs_with_one_match_and_rerun_changes_nothing(client):
    seed_demo()
    assert Need.objects.count() == 4
    assert Need.objects.values("enterprise").distinct().count() == 3
    matched = Need.objects.get(state=Need.State.MATCHED)
    assert "制动" in matched.title
    accepted = matched.offers.get(state=Offer.State.ACCEPTED)
    assert accepted.institution is not None
    assert accepted.institution.contacts.filter(user__username="institution").exists()
    assert matched.offers.filter(state=Offer.State.NOT_CHOSEN, expert__isnull=False).exists()
    assert need_board().count() == 2
    counts = need_counts(today=timezone.localdate())["total"]
    assert counts == {"posted": 4, "matched": 1, "open": 2, "expired": 1}
    board = client.get("/zh-hans/needs/").content.decode()
    assert "火锅底料" in board and "重庆示例火锅食品有限公司" not in board

    again = seed_demo()
    assert Need.objects.count() == 4 and Offer.objects.count() == 3
    assert not {"need", "need offer"} & set(again.tally.created)
