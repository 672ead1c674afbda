"""Reads for the content pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from taggit.models import Tag

from cms.models import HomePage, NewsIndexPage, NewsPage


def news_list(
    *, index: NewsIndexPage, tag: str | None = None, year: int | None = None
) -> tuple[QuerySet[NewsPage], list[int], list[Tag]]:
    """Live articles under ``index`` (newest first), the years and tags to filter by."""
    base = NewsPage.objects.child_of(index).live()
    articles = base.select_related("cover_image").order_by("-date", "-pk")
    if tag:
        articles = articles.filter(tags__name=tag)
    if year:
        articles = articles.filter(date__year=year)
    years = sorted(
        set(base.annotate(y=ExtractYear("date")).values_list("y", flat=True)), reverse=True
    )
    tags = list(
        Tag.objects.filter(cms_newspagetag_items__content_object__in=base)
        .distinct()
        .order_by("name")
    )
    return articles.distinct(), years, tags


def news_latest(*, locale, limit: int = 3) -> list[NewsPage]:
    return list(
        NewsPage.objects.live()
        .filter(locale=locale)
        .select_related("cover_image")
        .order_by("-date", "-pk")[:limit]
    )


def home_page_context(*, page: HomePage) -> dict:
    """Everything the home page shows, in the page's language."""
    from events.selectors import activity_list_upcoming, campaign_current
    from experts.models import ExpertRosterPage
    from experts.selectors import expert_list

    campaign = page.featured_campaign.localized if page.featured_campaign else None
    if campaign is None or not campaign.live:
        campaign = campaign_current(locale=page.locale)
    roster = ExpertRosterPage.objects.live().filter(locale=page.locale).first()
    news_index = NewsIndexPage.objects.live().filter(locale=page.locale).first()
    return {
        "campaign": campaign,
        "upcoming_activities": activity_list_upcoming(campaign=campaign) if campaign else [],
        "experts": list(expert_list()[:6]),
        "roster_page": roster,
        "news_index": news_index,
        "latest_news": news_latest(locale=page.locale),
    }


def privacy_notice_url(*, site_settings) -> str:
    """Address of the privacy notice in the active language ("" when none is chosen)."""
    page = getattr(site_settings, "privacy_page", None) if site_settings is not None else None
    if page is None:
        return ""
    page = page.specific.localized
    return page.url if page.live else ""
