"""Shared large instruments (大型仪器共享) of the demo institutions and their machine time.

The materials centre's page says its scanning electron microscope, X-ray diffractometer
and large universal testing machine are in the shared catalogue; the food institute
shares its LC-MS, the Banan vehicle centre (whose contact is the demo "institution"
account) its chassis dynamometer and, listed without machine time, its EMC chamber, whose
lab takes no visits. The plan for 2023-2027 asks institutions to share large instruments
with small enterprises, which the fee notes reflect.

``instruments_build`` creates or updates the catalogue by name, tops up machine-time slots
over the coming weeks and, once, has the demo enterprise request machine time on the
dynamometer and the institution contact approve it (through the services, so the request
has its history, ticket and reminders).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from enterprises.selectors import enterprise_for_user
from experts.models import Lab
from labvisits.models import Instrument, LabVisit, VisitSlot
from labvisits.services import lab_visit_decide, lab_visit_request

if TYPE_CHECKING:
    from demo.builder import _Builder

# Each: the institution's slug, its lab's Chinese name, the texts, and the machine-time
# slots as (days from today, start, end, operators).
INSTRUMENTS: list[dict] = [
    {
        "institution": "western-materials-testing-centre",
        "lab": "电子显微分析室",
        "name": "场发射扫描电子显微镜",
        "name_en": "Field-emission scanning electron microscope",
        "model_name": "ZEISS Sigma 300",
        "capability": (
            "金属断口、涂层和复合材料的表面形貌观察，附能谱仪做微区成分分析，分辨率约 1 纳米。"
        ),
        "capability_en": (
            "Surface morphology of fracture surfaces, coatings and composites, with an "
            "energy-dispersive spectrometer for micro-area composition; resolution about 1 nm."
        ),
        "field": "materials",
        "fee_note": "按机时收费，中小微企业享受共享优惠",
        "fee_note_en": "Charged by machine hour, with a sharing discount for small enterprises",
        "photo": "Demo: lab tour",
        "slots": [(4, "09:00", "12:00", 2), (11, "14:00", "17:00", 2), (18, "09:00", "12:00", 2)],
    },
    {
        "institution": "western-materials-testing-centre",
        "lab": "电子显微分析室",
        "name": "X 射线衍射仪",
        "name_en": "X-ray diffractometer",
        "model_name": "Bruker D8 Advance",
        "capability": "粉末和块体样品的物相鉴定、结晶度和残余应力分析。",
        "capability_en": (
            "Phase identification, crystallinity and residual stress of powder and bulk samples."
        ),
        "field": "materials",
        "fee_note": "按样品数收费，中小微企业优惠",
        "fee_note_en": "Charged per sample, reduced for small enterprises",
        "slots": [(5, "09:00", "12:00", 1), (12, "09:00", "12:00", 1)],
    },
    {
        "institution": "western-materials-testing-centre",
        "lab": "材料力学性能实验室",
        "name": "大吨位电液伺服万能试验机",
        "name_en": "High-capacity servo-hydraulic universal testing machine",
        "model_name": "1000 kN",
        "capability": "金属材料、紧固件和构件的拉伸、压缩和弯曲试验，最大试验力 1000 千牛。",
        "capability_en": (
            "Tensile, compression and bending tests of metals, fasteners and components, up "
            "to 1000 kN."
        ),
        "field": "materials",
        "fee_note": "按机时收费，中小微企业优惠",
        "fee_note_en": "Charged by machine hour, reduced for small enterprises",
        "slots": [(6, "14:00", "17:00", 2), (13, "14:00", "17:00", 2)],
    },
    {
        "institution": "yunan-food-agri-testing-institute",
        "lab": "理化分析实验室",
        "name": "液相色谱-串联质谱联用仪",
        "name_en": "Liquid chromatography–tandem mass spectrometer (LC-MS/MS)",
        "model_name": "SCIEX Triple Quad 5500+",
        "capability": "食品和农产品中农药残留、兽药残留和非法添加物的定量检测。",
        "capability_en": (
            "Quantitative testing of pesticide and veterinary drug residues and illegal "
            "additives in food and farm produce."
        ),
        "field": "food",
        "fee_note": "按机时收费，需自备标准品时请在申请中说明",
        "fee_note_en": (
            "Charged by machine hour; say in the request if you bring your own standards"
        ),
        "slots": [(8, "09:00", "17:00", 1), (15, "09:00", "17:00", 1)],
    },
    {
        "institution": "banan-smart-vehicle-testing-centre",
        "lab": "整车实验室",
        "name": "四驱底盘测功机",
        "name_en": "Four-wheel-drive chassis dynamometer",
        "model_name": "",
        "capability": "整车动力性、经济性和排放工况试验，可模拟道路阻力。",
        "capability_en": (
            "Vehicle performance, fuel consumption and emission cycles, with simulated road load."
        ),
        "field": "automotive",
        "fee_note": "按机时收费，区内中小微企业优惠",
        "fee_note_en": "Charged by machine hour, reduced for small enterprises of the district",
        "slots": [(3, "09:00", "12:00", 2), (10, "09:00", "12:00", 2), (17, "09:00", "12:00", 2)],
    },
    {
        "institution": "banan-smart-vehicle-testing-centre",
        "lab": "电磁兼容实验室",
        "name": "10 米法电波暗室",
        "name_en": "10-metre EMC semi-anechoic chamber",
        "model_name": "",
        "capability": "整车和零部件的辐射骚扰与辐射抗扰度试验。",
        "capability_en": "Radiated emission and immunity tests of vehicles and components.",
        "field": "automotive",
        "fee_note": "按机时收费，请先与中心联系商定时间",
        "fee_note_en": "Charged by machine hour; contact the centre to agree a time",
        "slots": [],  # the lab takes no visits: listed in the catalogue, booked by phone
    },
]

FIELDS = (
    "lab",
    "name_en",
    "model_name",
    "capability",
    "capability_en",
    "field",
    "fee_note",
    "fee_note_en",
    "photo",
)
# The one machine-time request the demo enterprise made, approved by the institution.
APPROVED_REQUEST = {
    "instrument": "四驱底盘测功机",
    "purpose": "电动摩托车样车 1 台：NEDC 工况续航和能耗测试",
    "visitor_names": "刘工\n陈工",
}


def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def instruments_build(builder: _Builder) -> None:
    """The catalogue, its machine time and one approved request; safe to re-run."""
    made: dict[str, Instrument] = {}
    for spec in INSTRUMENTS:
        page = builder.pages[f"institution:{spec['institution']}"][0]
        lab = Lab.objects.filter(institution=page, name=spec["lab"]).first()
        values = {name: spec.get(name, "") for name in FIELDS}
        values["lab"] = lab
        values["photo"] = builder.images.get(spec["photo"]) if spec.get("photo") else None
        instrument, created = Instrument.objects.get_or_create(
            institution=page, name=spec["name"], defaults=values
        )
        changed = [n for n, v in values.items() if getattr(instrument, n) != v]
        if changed and not created:
            for name in changed:
                setattr(instrument, name, values[name])
            instrument.save()
        builder.tally.record(
            "shared instrument", "created" if created else "updated" if changed else "unchanged"
        )
        made[spec["name"]] = instrument
        if lab is None or not lab.accepts_visits:
            continue
        for days, start, end, operators in spec["slots"]:
            day = builder.today + datetime.timedelta(days=days)
            _slot, slot_created = VisitSlot.objects.get_or_create(
                lab=lab,
                instrument=instrument,
                starts_at=_at(day, start),
                defaults={"ends_at": _at(day, end), "capacity": operators},
            )
            if slot_created:
                builder.tally.record("machine-time slot", "created")
    _approved_request(builder, made[APPROVED_REQUEST["instrument"]])


def _approved_request(builder: _Builder, instrument: Instrument) -> None:
    user, contact = builder.users.get("enterprise"), builder.users.get("institution")
    enterprise = enterprise_for_user(user=user) if user is not None else None
    if enterprise is None or contact is None:
        return
    if LabVisit.objects.filter(enterprise=enterprise, slot__instrument=instrument).exists():
        builder.tally.record("machine-time request", "unchanged")
        return
    slot = (
        VisitSlot.objects.filter(instrument=instrument, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if slot is None:
        return
    names = APPROVED_REQUEST["visitor_names"]
    visit = lab_visit_request(
        enterprise=enterprise,
        user=user,
        slot=slot,
        group_size=len(names.splitlines()),
        purpose=APPROVED_REQUEST["purpose"],
        visitor_names=names,
        contact_name=enterprise.contact_name,
        contact_phone=enterprise.contact_phone,
        language="zh-hans",
    )
    lab_visit_decide(visit=visit, by=contact, approve=True)
    builder.tally.record("machine-time request", "created")
