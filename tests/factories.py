"""factory_boy factories for pages, sessions, registrations, experts and staff users.

Page factories need a ``parent`` page: they add the page with ``parent.add_child`` and
publish a first revision, as an editor would. ``translate`` makes the English copy of a
published page (its parent must have been translated first).
"""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory
from wagtail.models import Locale, Page

from cms.models import (
    ConsumerWarningIndexPage,
    ConsumerWarningPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    RiskLevel,
    StandardPage,
)
from consultations.models import Consultation, Mode, Slot
from enterprises.models import Enterprise, Membership
from events.models import ActivityPage, ActivityType, OpenDayIndexPage, Registration, Session
from experts.models import (
    Expert,
    ExpertRosterPage,
    InstitutionIndexPage,
    InstitutionPage,
    Lab,
)
from labvisits.models import InstitutionContact, Instrument, LabVisit, VisitSlot
from portal.choices import District, Field, Service
from portal.models import SectorField, ServiceType
from ratings.models import Rating


def publish(page: Page) -> Page:
    """Publishes the page's current state as a new revision and returns it, reloaded."""
    page.save_revision().publish()
    return page.specific_class.objects.get(pk=page.pk)


def translate(page: Page, language_code: str = "en", **changes) -> Page:
    """The published translation of ``page`` into ``language_code``, with ``changes``."""
    locale, _ = Locale.objects.get_or_create(language_code=language_code)
    translation = page.specific.copy_for_translation(locale)
    for name, value in changes.items():
        setattr(translation, name, value)
    translation.save()
    return publish(translation)


def paragraph(html: str) -> list[tuple[str, str]]:
    """StreamField content with one rich-text paragraph."""
    return [("paragraph", html)]


class PageFactory(DjangoModelFactory):
    """Adds the page under ``parent`` (required) and publishes it unless ``publish=False``."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"页面{n}")
    slug = factory.Sequence(lambda n: f"page-{n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, publish=True, tags=(), **kwargs):
        if parent is None:
            raise TypeError(f"{cls.__name__} needs a parent page")
        page = model_class(*args, **kwargs)
        for tag in tags:
            page.tags.add(tag)
        # A page that was never published is a draft, as when created in the admin.
        page.live = publish
        parent.add_child(instance=page)
        if publish:
            page.save_revision().publish()
        else:
            page.save_revision()
        return model_class.objects.get(pk=page.pk)


class HomePageFactory(PageFactory):
    class Meta:
        model = HomePage

    title = "检验检测公共服务平台"
    slug = "home"
    hero_title = "检验检测服务，就在身边"
    hero_text = "开放日活动报名、专家服务预约，一站办理。"


class StandardPageFactory(PageFactory):
    class Meta:
        model = StandardPage

    title = factory.Sequence(lambda n: f"关于平台{n}")
    slug = factory.Sequence(lambda n: f"about-{n}")
    intro = "平台由区市场监督管理局运营。"


class NewsIndexPageFactory(PageFactory):
    class Meta:
        model = NewsIndexPage

    title = "新闻动态"
    slug = "news"


class NewsPageFactory(PageFactory):
    class Meta:
        model = NewsPage

    title = factory.Sequence(lambda n: f"开放日新闻{n}")
    slug = factory.Sequence(lambda n: f"news-{n}")
    date = factory.LazyFunction(datetime.date.today)
    summary = "检验检测机构开放日活动顺利举行。"
    body = factory.LazyFunction(lambda: paragraph("<p>检验检测机构向公众开放实验室。</p>"))


class ConsumerWarningIndexPageFactory(PageFactory):
    class Meta:
        model = ConsumerWarningIndexPage

    title = "消费提示"
    slug = "consumer-warnings"


class ConsumerWarningPageFactory(PageFactory):
    class Meta:
        model = ConsumerWarningPage

    title = factory.Sequence(lambda n: f"消费提示{n}")
    slug = factory.Sequence(lambda n: f"warning-{n}")
    date = factory.LazyFunction(datetime.date.today)
    product_category = "children"
    risk_level = RiskLevel.MEDIUM
    summary = "选购儿童用品时请留意警示标识。"
    advice = "查看产品标识\n保留购物凭证"
    body = factory.LazyFunction(lambda: paragraph("<p>请到正规渠道购买。</p>"))


class OpenDayIndexPageFactory(PageFactory):
    class Meta:
        model = OpenDayIndexPage

    title = factory.LazyAttribute(lambda o: f"{o.year}年检验检测机构开放日")
    slug = factory.LazyAttribute(lambda o: f"open-day-{o.year}")
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    theme = "向新而行，智检未来"
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))


class InstitutionIndexPageFactory(PageFactory):
    class Meta:
        model = InstitutionIndexPage

    title = "检验检测机构"
    slug = "institutions"


class InstitutionPageFactory(PageFactory):
    class Meta:
        model = InstitutionPage

    title = factory.Sequence(lambda n: f"重庆市质量检测研究院{n}")
    slug = factory.Sequence(lambda n: f"institution-{n}")
    # The shape of a CMA number (experts.validators): 2023, Chongqing (22), field 08, sector 11.
    accreditation_number = factory.Sequence(lambda n: f"23220811{n % 9999 + 1:04d}")
    district = District.BANAN
    address = "重庆市巴南区界石镇"
    summary = "国家级检验检测机构。"


class ActivityPageFactory(PageFactory):
    class Meta:
        model = ActivityPage

    title = factory.Sequence(lambda n: f"实验室参观{n}")
    slug = factory.Sequence(lambda n: f"activity-{n}")
    activity_type = ActivityType.LAB_TOUR
    summary = "走进实验室，了解检验检测。"
    venue = "检测大楼一楼大厅"
    address = "重庆市巴南区界石镇"
    district = District.BANAN


class ExpertRosterPageFactory(PageFactory):
    class Meta:
        model = ExpertRosterPage

    title = "“巴心助检”专家服务团"
    slug = "experts"


class SessionFactory(DjangoModelFactory):
    """A session of a published activity, three days from now unless told otherwise.

    Sessions are edited inline on the activity page, so by default the factory also
    publishes a revision of the activity that contains the new session, as the page editor
    does (the editor shows the latest revision's sessions). Places taken are counted from
    registrations: pass ``taken=n`` for n confirmed one-person registrations.
    """

    class Meta:
        model = Session

    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=3)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 30

    @classmethod
    def _create(cls, model_class, *args, sync_revision=True, taken=0, **kwargs):
        """``taken``: that many people have a confirmed registration for the session."""
        session = model_class.objects.create(*args, **kwargs)
        for _ in range(taken):
            RegistrationFactory(session=session)
        if sync_revision:
            publish(ActivityPage.objects.get(pk=session.activity_id))
        return session


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    name = factory.Sequence(lambda n: f"张三{n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    status = Registration.Status.CONFIRMED
    ticket_code = factory.Sequence(lambda n: f"T{n:07d}")
    email = factory.Sequence(lambda n: f"visitor{n}@example.com")
    # Registered through the public form, whose number was proved with a code.
    phone_verified = True


class ExpertFactory(DjangoModelFactory):
    """A published expert; ``services`` and ``fields`` are lists of codes."""

    class Meta:
        model = Expert

    name = factory.Sequence(lambda n: f"李专家{n}")
    name_en = factory.Sequence(lambda n: f"Expert Li {n}")
    slug = factory.Sequence(lambda n: f"expert-li-{n}")
    title = "高级工程师"
    title_en = "Senior engineer"
    organisation = "重庆市计量质量检测研究院"
    organisation_en = "Chongqing Academy of Metrology and Quality Inspection"
    bio = "长期从事产品质量检验工作。"
    bio_en = "Has worked in product quality inspection for many years."

    @classmethod
    def _create(cls, model_class, *args, services=("consulting",), fields=(), **kwargs):
        expert = model_class(*args, **kwargs)
        expert.services.set(list(ServiceType.objects.filter(code__in=services)))
        expert.fields.set(list(SectorField.objects.filter(code__in=fields)))
        expert.save()
        expert.save_revision().publish()
        return model_class.objects.get(pk=expert.pk)


class UserFactory(DjangoModelFactory):
    """A user; ``groups`` is a list of group names created by the migrations."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))


# --- Enterprises, expert consultations and lab visits ---------------------------------------


def credit_code_for(n: int) -> str:
    """A valid credit code, different for each ``n`` (computed with python-stdnum)."""
    from stdnum.cn import uscc

    base = f"9150000{n:010d}"[:17]
    return base + uscc.calc_check_digit(base)


class EnterpriseFactory(DjangoModelFactory):
    """An enterprise; ``owner=user`` also creates the owner's approved membership."""

    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"重庆示例汽车零部件有限公司{n}")
    credit_code = factory.Sequence(credit_code_for)
    industry = Field.AUTOMOTIVE
    district = District.BANAN
    size = Enterprise.Size.SMALL
    address = "重庆市巴南区界石镇"
    contact_name = "王经理"
    contact_phone = "+8613800001111"

    @factory.post_generation
    def owner(self, create, extracted, **kwargs):
        if create and extracted:
            Membership.objects.create(
                enterprise=self,
                user=extracted,
                role=Membership.Role.OWNER,
                status=Membership.Status.APPROVED,
            )


class SlotFactory(DjangoModelFactory):
    """A free slot of an expert, two days from now at 09:00 local time unless told."""

    class Meta:
        model = Slot
        skip_postgeneration_save = True

    expert = factory.SubFactory(ExpertFactory, services=("consulting", "certification"))
    starts_at = factory.Sequence(
        lambda n: (
            timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
            + datetime.timedelta(days=2, hours=n)
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    mode = Mode.AT_CENTRE

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create:
            codes = (
                extracted if extracted is not None else [Service.CONSULTING, Service.CERTIFICATION]
            )
            self.services.set(ServiceType.objects.filter(code__in=codes))


class ConsultationFactory(DjangoModelFactory):
    """A requested consultation on a slot, by the owner of a new enterprise."""

    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"C{n:07d}")
    requested_by = factory.SubFactory(UserFactory)
    enterprise = factory.LazyAttribute(lambda o: EnterpriseFactory(owner=o.requested_by))
    slot = factory.SubFactory(SlotFactory)
    expert = factory.LazyAttribute(lambda o: o.slot.expert if o.slot else None)
    starts_at = factory.LazyAttribute(lambda o: o.slot.starts_at if o.slot else None)
    ends_at = factory.LazyAttribute(lambda o: o.slot.ends_at if o.slot else None)
    mode = factory.LazyAttribute(lambda o: o.slot.mode if o.slot else "")
    service = Service.CERTIFICATION
    field = Field.AUTOMOTIVE
    topic = "汽车零部件CCC认证"
    description = "我公司生产的汽车安全带需要办理认证，想了解流程和检测项目。"
    contact_name = "王经理"
    contact_phone = "+8613800001111"

    @factory.post_generation
    def rating(obj, create, extracted, **kwargs):
        """``rating=4``: the consultation's rating (``ratings.Rating``, level 4)."""
        if create and extracted:
            RatingFactory(kind="consultation", object_id=obj.pk, level=extracted, expert=obj.expert)


class RatingFactory(DjangoModelFactory):
    """A rating of a thing of ``kind`` (pass ``object_id``)."""

    class Meta:
        model = Rating

    kind = "consultation"
    level = 5
    flagged = factory.LazyAttribute(lambda o: o.level <= 2)


class LabFactory(DjangoModelFactory):
    """A lab on an institution page (pass ``institution``) that accepts visits."""

    class Meta:
        model = Lab

    name = factory.Sequence(lambda n: f"汽车零部件实验室{n}")
    name_en = factory.Sequence(lambda n: f"Automotive parts lab {n}")
    visit_capacity = 20
    accepts_visits = True


class InstitutionContactFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionContact

    user = factory.SubFactory(UserFactory, groups=["Institution contacts"])


class VisitSlotFactory(DjangoModelFactory):
    class Meta:
        model = VisitSlot

    starts_at = factory.LazyFunction(
        lambda: (
            timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
            + datetime.timedelta(days=5)
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 20


class InstrumentFactory(DjangoModelFactory):
    """A shared instrument; pass ``lab`` (its institution follows) or ``institution``."""

    class Meta:
        model = Instrument

    institution = factory.LazyAttribute(lambda o: o.lab.institution if o.lab else None)
    lab = None
    name = factory.Sequence(lambda n: f"扫描电子显微镜{n}")
    name_en = factory.Sequence(lambda n: f"Scanning electron microscope {n}")
    model_name = "ZEISS Sigma 300"
    capability = "材料表面形貌观察，最高分辨率1纳米"
    capability_en = "Surface morphology of materials, resolution down to 1 nm"
    field = "materials"
    fee_note = "按机时收费，中小微企业优惠"
    fee_note_en = "Charged by machine hour, reduced for small enterprises"


VISITOR_NAMES = ("王一", "李二", "张三", "赵四", "钱五", "孙六", "周七", "吴八", "郑九", "冯十")


def visitor_names_for(size: int) -> str:
    """``size`` visitors' names, one per line (the first three: 王一, 李二, 张三)."""
    return "\n".join(
        VISITOR_NAMES[i] if i < len(VISITOR_NAMES) else f"访客{i + 1}" for i in range(size)
    )


class LabVisitFactory(DjangoModelFactory):
    class Meta:
        model = LabVisit

    requested_by = factory.SubFactory(UserFactory)
    enterprise = factory.LazyAttribute(lambda o: EnterpriseFactory(owner=o.requested_by))
    group_size = 3
    purpose = "了解汽车零部件检测流程"
    # One name per visitor (a check constraint counts them).
    visitor_names = factory.LazyAttribute(lambda o: visitor_names_for(o.group_size))
    contact_name = "王经理"
    contact_phone = "+8613800001111"
    ticket_code = factory.Sequence(lambda n: f"V{n:07d}")
