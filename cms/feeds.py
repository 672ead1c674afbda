"""RSS and Atom feeds of a news index."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from cms.models import NewsIndexPage, NewsPage


class NewsRssFeed(Feed):
    def __init__(self, index: NewsIndexPage):
        super().__init__()
        self.index = index

    def title(self) -> str:
        return self.index.title

    def link(self) -> str:
        return self.index.url

    def description(self) -> str:
        return self.index.intro or self.index.title

    def items(self):
        return NewsPage.objects.child_of(self.index).live().order_by("-date", "-pk")[:30]

    def item_title(self, item: NewsPage) -> str:
        return item.title

    def item_description(self, item: NewsPage) -> str:
        return item.summary

    def item_link(self, item: NewsPage) -> str:
        return item.url

    def item_pubdate(self, item: NewsPage) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time(9)))

    def item_author_name(self, item: NewsPage) -> str:
        return item.author or item.source


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed
    subtitle = NewsRssFeed.description
