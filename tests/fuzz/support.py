"""Shared pieces of the fuzz tests: hypothesis settings, text strategies, table snapshots
and the capacity rules every booking table must keep whatever was posted."""

from __future__ import annotations

import hashlib

from django.contrib.messages import get_messages
from django.db import models
from django.db.models import Count, Q
from hypothesis import settings
from hypothesis import strategies as st

LANGUAGES = st.sampled_from(["zh-hans", "en"])

# The number of examples comes from the hypothesis profile (tests/conftest.py): "ci" by
# default, HYPOTHESIS_PROFILE=nightly for a deeper search.
FUZZ = settings()
# Any text, including control characters, NUL, surrogates' neighbours and very long values.
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400),
    st.sampled_from(
        ["", "0", "-1", "1", "99999999999999999999", "+86", "1" * 11, "\x00", "on", "²", "１"]
    ),
)
# Values a number field may receive: numbers of every size, Unicode digits, junk.
number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", " 1 ", "1.5", "1e3", "²", "٣", "nan", "inf", "0x10", "\x00"]),
    text,
)
# Dates and times: plausible, impossible and at the calendar's edges.
date_text = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["", "2025-02-30", "0000-01-01", "9999-12-31", "0001-01-01", "today"]),
    text,
)
time_text = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["", "24:00", "9:60", "00:00", "23:59", "-1:00"]),
    text,
)
# A mainland mobile number in the shapes people type, or anything else.
phone = st.one_of(
    st.from_regex(r"\A(\+86 ?)?1[3-9][0-9]{9}\Z"),
    st.sampled_from(["138 0013 8000", "+86 138-0013-8000", "023-6386 1234"]),
    text,
)


def snapshot(*model_classes: type[models.Model]) -> dict[str, tuple[int, str]]:
    """Per model: its row count and a hash of every concrete field of every row, in
    primary-key order. Equal snapshots before and after a request mean it changed nothing."""
    result = {}
    for model in model_classes:
        names = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._default_manager.order_by("pk").values_list(*names))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        result[model._meta.label] = (len(rows), digest)
    return result


def message_levels(response) -> set[str]:
    """The levels ("success", "error", ...) of the messages this request added. Messages
    of earlier requests whose redirect was not followed are still stored; the storage keeps
    the new ones apart in ``_queued_messages``."""
    return {m.level_tag for m in get_messages(response.wsgi_request)._queued_messages}


def assert_capacity_rules() -> None:
    """No open-day session, visit slot or expert slot holds more than it may."""
    from consultations.models import ACTIVE_STATES, Consultation
    from events.models import Registration, Session
    from labvisits.selectors import slots_with_places
    from ratings.models import Rating

    for session in Session.objects.with_places():
        assert session.count_places_taken() <= session.capacity, session.pk
        assert not Registration.objects.filter(
            Q(party_size__gt=session.max_party_size) | Q(party_size__lt=1), session=session
        ).exists()
    for slot in slots_with_places():
        assert slot.places_taken <= slot.capacity, slot.pk
    double = (
        Consultation.objects.filter(state__in=ACTIVE_STATES, slot__isnull=False)
        .values("slot")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not double.exists()
    assert not Rating.objects.filter(Q(level__lt=1) | Q(level__gt=5)).exists()
