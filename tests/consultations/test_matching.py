"""Free-slot reads and the ranking of experts for an enterprise's need."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from consultations.selectors import expert_next_free_slots, slot_list_free
from consultations.services.matching import experts_match
from consultations.vocabulary import need_fields, need_terms
from tests.factories import ConsultationFactory, ExpertFactory, SlotFactory

pytestmark = pytest.mark.django_db


def at(days: float, hour: int = 9) -> datetime.datetime:
    base = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + datetime.timedelta(days=days)


def slot(expert, days: float, hour: int = 9, **kwargs):
    return SlotFactory(
        expert=expert,
        starts_at=at(days, hour),
        ends_at=at(days, hour) + datetime.timedelta(hours=1),
        **kwargs,
    )


# --- slot_list_free ---------------------------------------------------------------------


def test_free_slots_exclude_booked_past_and_clashing_slots():
    expert = ExpertFactory(services=("consulting", "certification"))
    free = slot(expert, 2)
    requested = slot(expert, 3)
    ConsultationFactory(slot=requested)
    cancelled = slot(expert, 4)
    ConsultationFactory(slot=cancelled, state="cancelled")
    past = slot(expert, -1)
    # A confirmed consultation on a 10:00 slot; another rule's 10:30 slot overlaps it.
    confirmed = slot(expert, 5, hour=10)
    ConsultationFactory(slot=confirmed, state="confirmed")
    overlapping = SlotFactory(
        expert=expert,
        starts_at=at(5, 10) + datetime.timedelta(minutes=30),
        ends_at=at(5, 11) + datetime.timedelta(minutes=30),
    )

    result = list(slot_list_free(expert=expert))

    assert result == [free, cancelled]
    assert past not in result and overlapping not in result


def test_free_slots_only_of_active_published_experts_and_by_service():
    active = ExpertFactory(services=("consulting", "certification"))
    inactive = ExpertFactory(services=("consulting",), is_active=False)
    certification = slot(active, 2, services=["certification"])
    consulting = slot(active, 3, services=["consulting"])
    slot(inactive, 2, services=["consulting"])

    assert list(slot_list_free()) == [certification, consulting]
    assert list(slot_list_free(service="consulting")) == [consulting]
    assert list(slot_list_free(start=at(2, 12))) == [consulting]


def test_next_free_slots_of_many_experts_in_one_query(django_assert_max_num_queries):
    experts = [ExpertFactory() for _ in range(4)]
    for expert in experts[:3]:
        for day in range(1, 6):
            slot(expert, day)
    booked = slot(experts[0], 0.5)
    ConsultationFactory(slot=booked)

    with django_assert_max_num_queries(1):
        result = expert_next_free_slots(experts=experts, limit=2)

    assert [s.starts_at for s in result[experts[0].pk]] == [at(1), at(2)]
    assert all(len(result[e.pk]) == 2 for e in experts[:3])
    assert result[experts[3].pk] == []


# --- matching ---------------------------------------------------------------------------


def names(matches):
    return [m.expert.name for m in matches]


def test_only_experts_offering_the_service_are_listed():
    ExpertFactory(name="只咨询", services=("consulting",), fields=("automotive",), district="banan")
    ExpertFactory(name="认证", services=("certification",))
    matches = experts_match(service="certification", field="automotive", district="banan")
    assert names(matches) == ["认证"]


def test_ranking_field_then_district_then_soonest_slot():
    field_late = ExpertFactory(name="领域", services=("certification",), fields=("automotive",))
    district = ExpertFactory(name="同区", services=("certification",), district="banan")
    soon = ExpertFactory(name="最早", services=("certification",))
    later = ExpertFactory(name="较晚", services=("certification",))
    none = ExpertFactory(name="无时段", services=("certification",))
    slot(field_late, 40, services=["certification"])
    slot(district, 30, services=["certification"])
    slot(soon, 1, services=["certification"])
    slot(later, 10, services=["certification"])

    matches = experts_match(service="certification", field="automotive", district="banan")

    assert names(matches) == ["领域", "同区", "最早", "较晚", "无时段"]
    assert matches[0].score > matches[1].score > matches[2].score > matches[3].score
    assert [s.pk for s in matches[2].next_slots] == [soon.slots.get().pk]
    assert none.pk == matches[-1].expert.pk and matches[-1].next_slots == []


def test_ties_are_broken_by_roster_order_then_id():
    second = ExpertFactory(name="乙", services=("consulting",), sort_order=2)
    first = ExpertFactory(name="甲", services=("consulting",), sort_order=1)
    third = ExpertFactory(name="丙", services=("consulting",), sort_order=2)
    for _ in range(2):
        assert [m.expert for m in experts_match(service="consulting")] == [first, second, third]


def test_free_text_words_found_in_bio_or_title_in_either_language():
    seatbelt = ExpertFactory(
        name="安全带",
        services=("certification",),
        bio="长期从事汽车安全带检测。",
        bio_en="Tests seatbelts and airbags.",
    )
    ExpertFactory(name="其他", services=("certification",))

    for text in ("安全带", "SEATBELTS for our cars"):
        matches = experts_match(service="certification", text=text)
        assert matches[0].expert == seatbelt
        assert matches[0].score > matches[1].score
        with translation.override("en"):
            reasons = experts_match(service="certification", text=text)[0].reasons
        assert any(r.startswith("mentions:") for r in reasons)


COMMON_WORDS = ("帮助", "分析", "原因", "问题", "需要", "企业", "help", "analyse", "cause")


def test_need_terms_are_domain_terms_and_standards_only():
    terms = need_terms("企业需要帮助：按 GB/T 34422-2017 和 qc/t 564 检测制动盘，分析异响原因")
    assert [t.label for t in terms] == ["GB/T 34422-2017", "QC/T 564", "制动盘", "异响"]
    assert need_fields(terms) == {"automotive"}
    assert need_terms("我们企业遇到了问题，需要帮助分析原因") == []
    english = need_terms("We need help: our brake discs squeal, ISO 9001 audit soon")
    assert [t.label for t in english] == ["brake discs", "squeal", "ISO 9001"]


def _brake_world():
    """Two automotive experts (no word of brakes in their biographies), one in the
    enterprise's district who knows food, one whose biography is full of common words."""
    powertrain = ExpertFactory(
        name="动力总成",
        services=("diagnosis",),
        fields=("automotive",),
        bio="从事汽车动力总成检测，擅长失效分析。",
        bio_en="Powertrain testing; failure analysis.",
    )
    battery = ExpertFactory(
        name="电池",
        services=("diagnosis",),
        fields=("energy", "automotive"),
        bio="从事动力电池检测。",
        bio_en="Tests traction batteries.",
    )
    food = ExpertFactory(name="食品", services=("diagnosis",), fields=("food",), district="banan")
    talker = ExpertFactory(
        name="常用词",
        services=("diagnosis",),
        fields=("consumer",),
        bio="帮助企业分析问题原因，满足企业需要。",
        bio_en="Helps companies analyse the cause of their problems.",
    )
    for expert in (powertrain, battery, food, talker):
        slot(expert, 3, services=["diagnosis"])
    return powertrain, battery, food, talker


@pytest.mark.parametrize(
    ("language", "text", "terms"),
    [
        ("zh-hans", "我们生产的制动盘在制动时有异响，需要帮助分析原因", ("制动盘", "异响")),
        (
            "en",
            "Our brake discs squeal when braking. We need help to analyse the cause.",
            ("brake discs", "squeal"),
        ),
    ],
)
def test_brake_disc_noise_finds_automotive_experts_for_their_domain_terms(language, text, terms):
    powertrain, battery, food, talker = _brake_world()

    with translation.override(language):
        matches = experts_match(service="diagnosis", district="banan", text=text)

    # The need's field outweighs the district; the common words find nobody.
    assert {m.expert for m in matches[:2]} == {powertrain, battery}
    assert matches[2].expert == food
    reasons = " ".join(r for m in matches[:2] for r in m.reasons)
    assert all(term in reasons for term in terms)
    for match in matches:
        for reason in match.reasons:
            assert not any(word in reason for word in COMMON_WORDS), reason
    talker_match = next(m for m in matches if m.expert == talker)
    assert len(talker_match.reasons) == 2  # the service and its next free slot


def test_domain_reason_in_both_languages():
    _brake_world()
    with translation.override("en"):
        reasons = experts_match(service="diagnosis", text="制动盘异响")[0].reasons
    assert "your need concerns Automotive (motorcycle) testing: 制动盘, 异响" in reasons
    with translation.override("zh-hans"):
        reasons = experts_match(service="diagnosis", text="brake disc noise")[0].reasons
    assert any("汽车（摩托车）检验检测" in r and "brake disc" in r for r in reasons)


def test_standards_and_terms_in_the_profile_are_mentioned_in_either_language():
    knows = ExpertFactory(
        name="标准",
        services=("certification",),
        bio="熟悉 GB/T34422 与失效分析。",
        bio_en="Knows the standard well.",
    )
    ExpertFactory(name="其他", services=("certification",), bio="熟悉 GB/T 3442。")

    with translation.override("en"):
        matches = experts_match(
            service="certification", text="Failure analysis to GB/T 34422-2017 please"
        )
    assert matches[0].expert == knows
    assert "mentions: Failure analysis, GB/T 34422-2017" in matches[0].reasons
    assert not any(r.startswith("mentions:") for r in matches[1].reasons)


def test_no_free_slot_is_not_given_as_a_reason():
    ExpertFactory(services=("diagnosis",), fields=("automotive",))
    with translation.override("en"):
        match = experts_match(service="diagnosis", field="automotive", text="制动盘")[0]
    assert match.next_slots == []
    assert not any("slot" in reason for reason in match.reasons)


def test_reasons_name_service_and_field_in_the_active_language():
    expert = ExpertFactory(services=("certification",), fields=("automotive",), district="banan")
    slot(expert, 2, services=["certification"])

    with translation.override("en"):
        reasons = experts_match(service="certification", field="automotive", district="banan")[
            0
        ].reasons
    assert reasons[0] == "matches: Certification support, Automotive (motorcycle) testing"
    assert reasons[1] == "serves your district: Banan District"
    assert reasons[2].startswith("next free slot: ")

    with translation.override("zh-hans"):
        reasons = experts_match(service="certification", field="automotive", district="banan")[
            0
        ].reasons
    assert "认证支持" in reasons[0] and "汽车（摩托车）检验检测" in reasons[0]
    assert "巴南区" in reasons[1]


def test_matching_query_count_does_not_grow_with_experts(django_assert_max_num_queries):
    for _ in range(6):
        expert = ExpertFactory(services=("certification",), fields=("automotive",))
        slot(expert, 2, services=["certification"])
    # experts + prefetches (services, fields, photo renditions) + one query for all slots
    with django_assert_max_num_queries(5):
        matches = experts_match(
            service="certification", field="automotive", text="汽车制动盘异响 GB/T 34422"
        )
    assert len(matches) == 6
