"""Wagtail pages for the portal's own content: home, news, consumer warnings, generic pages,
site settings."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Site
from wagtail.search import index

from cms.blocks import BaseStreamBlock
from portal.choices import ProductCategory
from portal.query import query_text
from portal.search import CjkIndexedMixin, stream_text


class BasePage(CjkIndexedMixin, Page):
    """Fields every public page shares: an image for social cards."""

    social_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("social image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown when the page is shared (Open Graph)."),
    )

    promote_panels = [*Page.promote_panels, FieldPanel("social_image")]
    search_fields = [*Page.search_fields, index.SearchField("cjk_index")]

    class Meta:
        abstract = True

    def meta_description(self) -> str:
        return self.search_description or ""

    def get_full_url(self, request=None):
        """The page's absolute URL on the portal's public address (``SITE_URL``). Wagtail
        builds it from the Site record's hostname and port (``localhost:80`` in the demo),
        and its e-mails (a page approved in a workflow) link to it. A portal serving
        several Wagtail sites keeps Wagtail's answer."""
        parts = self.get_url_parts(request=request)
        if parts is None or parts[2] is None:
            return None  # not routable
        if len({root.site_id for root in Site.get_site_root_paths()}) != 1:
            return super().get_full_url(request)
        return settings.SITE_URL + parts[2]

    full_url = property(get_full_url)


class QuickLinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Label"), max_length=60)
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.CharBlock(label=_("Or a path/URL"), required=False, max_length=300)
    description = blocks.CharBlock(label=_("Description"), required=False, max_length=120)

    class Meta:
        label = _("Quick link")
        icon = "link"
        template = "blocks/quick_link_block.html"
        preview_value = {"label": "报名开放日活动", "url": "/zh-hans/", "description": ""}


class HomePage(BasePage):
    hero_title = models.CharField(_("hero title"), max_length=120)
    hero_text = models.TextField(_("hero text"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    featured_campaign = models.ForeignKey(
        "events.OpenDayIndexPage",
        verbose_name=_("featured open-day campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Leave empty to feature the most recent campaign."),
    )
    quick_links = StreamField(
        [("link", QuickLinkBlock())], verbose_name=_("quick links"), blank=True
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "link"])

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("hero_image")],
            heading=_("Hero"),
        ),
        FieldPanel("intro"),
        FieldPanel("featured_campaign"),
        FieldPanel("quick_links"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("hero_text")]
    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.hero_title, self.hero_text]

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import home_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_page_context(page=self))
        return context


class StandardPage(BasePage):
    """About, privacy notice, accessibility statement, contact, ..."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("standard page")

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.intro, stream_text(self.body)]


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.NewsPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class NewsIndexPage(RoutablePageMixin, BasePage):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.NewsPage"]
    max_count_per_parent = 1
    PAGE_SIZE = 10

    class Meta:
        verbose_name = _("news index page")

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import news_list

        context = super().get_context(request, *args, **kwargs)
        tag = query_text(request, "tag", max_length=100)
        year_raw = request.GET.get("year", "").strip()
        year = (
            int(year_raw)
            if year_raw.isascii() and year_raw.isdigit() and len(year_raw) == 4
            else None
        )
        articles, years, tags = news_list(index=self, tag=tag or None, year=year)
        paginator = Paginator(articles, self.PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        context.update(
            page_obj=page_obj,
            articles=page_obj.object_list,
            years=years,
            tags=tags,
            current_tag=tag,
            current_year=year,
        )
        return context

    @path("feed/rss/", name="rss")
    def rss_feed(self, request):
        from cms.feeds import NewsRssFeed

        return NewsRssFeed(self)(request)

    @path("feed/atom/", name="atom")
    def atom_feed(self, request):
        from cms.feeds import NewsAtomFeed

        return NewsAtomFeed(self)(request)

    @path("")
    def index_route(self, request, *args, **kwargs):
        return super().index_route(request, *args, **kwargs)


class NewsPage(BasePage):
    date = models.DateField(_("date"), default=datetime.date.today)
    source = models.CharField(_("source"), max_length=120, blank=True)
    author = models.CharField(_("author"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), max_length=500)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=NewsPageTag, blank=True, verbose_name=_("tags"))
    related_activities = ParentalManyToManyField(
        "events.ActivityPage",
        blank=True,
        verbose_name=_("related activities"),
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("source"), FieldPanel("author")],
            heading=_("Publication"),
        ),
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
        FieldPanel("tags"),
        FieldPanel("related_activities"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news article")
        verbose_name_plural = _("news articles")

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.summary, stream_text(self.body)]

    def meta_description(self) -> str:
        return self.search_description or self.summary

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related"] = self.related_in_own_language()
        return context

    def related_in_own_language(self) -> list[Page]:
        """The related activities in this article's language: an article translated from
        another keeps pointing at the original's activities, so each is swapped for its
        live translation in this page's locale, and left out when it has none."""
        keys = [activity.translation_key for activity in self.related_activities.all()]
        model = self._meta.get_field("related_activities").related_model
        return list(
            model.objects.live()
            .filter(locale_id=self.locale_id, translation_key__in=keys)
            .specific()
            .order_by("title")
        )


class RiskLevel(models.TextChoices):
    """How serious the hazard of a consumer warning is; always shown as words, the colour
    of its badge only repeats them."""

    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class ConsumerWarningIndexPage(BasePage):
    """The regulator's consumer warnings and tips (消费提示), newest first, filtered by
    product category and risk level."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*BasePage.search_fields, index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ConsumerWarningPage"]
    max_count_per_parent = 1
    PAGE_SIZE = 10

    class Meta:
        verbose_name = _("consumer warning index page")

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.intro]

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import consumer_warning_list

        context = super().get_context(request, *args, **kwargs)
        # Unknown values (an old link, a hand-made URL) filter nothing.
        category = query_text(request, "category", max_length=40)
        category = category if category in ProductCategory.values else ""
        risk = query_text(request, "risk", max_length=20)
        risk = risk if risk in RiskLevel.values else ""
        warnings = consumer_warning_list(index=self, category=category or None, risk=risk or None)
        paginator = Paginator(warnings, self.PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        context.update(
            page_obj=page_obj,
            warnings=page_obj.object_list,
            category_choices=ProductCategory.choices,
            risk_choices=RiskLevel.choices,
            current_category=category,
            current_risk=risk,
            current_category_label=ProductCategory(category).label if category else "",
            current_risk_label=RiskLevel(risk).label if risk else "",
        )
        return context


class ConsumerWarningPage(BasePage):
    """One consumer warning or tip: which products, how serious, what to do."""

    date = models.DateField(_("published date"), default=datetime.date.today)
    product_category = models.CharField(
        _("product category"), max_length=40, choices=ProductCategory.choices
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    summary = models.TextField(
        _("summary"), max_length=400, help_text=_("One or two sentences for lists and search.")
    )
    advice = models.TextField(
        _("advice"),
        help_text=_("What consumers should do, one piece of advice per line."),
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("product_category"), FieldPanel("risk_level")],
            heading=_("Warning details"),
        ),
        FieldPanel("summary"),
        FieldPanel("advice"),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("advice"),
        index.SearchField("body"),
        index.FilterField("date"),
        index.FilterField("product_category"),
        index.FilterField("risk_level"),
    ]
    parent_page_types = ["cms.ConsumerWarningIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("consumer warning")
        verbose_name_plural = _("consumer warnings")

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.summary, self.advice, stream_text(self.body)]

    def meta_description(self) -> str:
        return self.search_description or self.summary

    @property
    def advice_lines(self) -> list[str]:
        return [line.strip() for line in self.advice.splitlines() if line.strip()]


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Contact details and footer text, editable by regulator staff."""

    organisation = models.CharField(
        _("organisation"), max_length=120, default="巴南区市场监督管理局"
    )
    organisation_en = models.CharField(
        _("organisation (English)"),
        max_length=120,
        default="Banan District Administration for Market Regulation",
    )
    phone = models.CharField(_("service phone"), max_length=40, blank=True)
    email = models.EmailField(_("service e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=200, blank=True)
    service_hours = models.CharField(_("service hours"), max_length=120, blank=True)
    service_hours_en = models.CharField(_("service hours (English)"), max_length=120, blank=True)
    icp_number = models.CharField(_("ICP licence number"), max_length=60, blank=True)
    # Government sites show their public-security filing (公安备案号, linked to the filing
    # system's record) and their site identification code (网站标识码) beside the ICP number.
    public_security_number = models.CharField(
        _("public security filing number"),
        max_length=60,
        blank=True,
        help_text=_("As issued, e.g. 渝公网安备 50011302000000号; linked to its public record."),
    )
    site_code = models.CharField(
        _("site identification code"),
        max_length=20,
        blank=True,
        help_text=_("The government website identification code (网站标识码)."),
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Linked from registration forms and the footer, in the visitor's language."),
    )

    panels = [
        FieldPanel("organisation"),
        FieldPanel("organisation_en"),
        FieldPanel("phone"),
        FieldPanel("email"),
        FieldPanel("address"),
        FieldPanel("address_en"),
        FieldPanel("service_hours"),
        FieldPanel("service_hours_en"),
        FieldPanel("icp_number"),
        FieldPanel("public_security_number"),
        FieldPanel("site_code"),
        FieldPanel("privacy_page"),
    ]

    class Meta:
        verbose_name = _("site settings")
