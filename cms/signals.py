"""Loose side effects of publishing: the public page cache is purged on every change that
editors make visible (portal/pagecache.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

from cms.models import SiteSettings
from portal.pagecache import pagecache_purge


@receiver(page_published, dispatch_uid="cms_pagecache_page_published")
@receiver(page_unpublished, dispatch_uid="cms_pagecache_page_unpublished")
@receiver(post_page_move, dispatch_uid="cms_pagecache_page_moved")
@receiver(published, dispatch_uid="cms_pagecache_published")
@receiver(unpublished, dispatch_uid="cms_pagecache_unpublished")
@receiver(post_save, sender=SiteSettings, dispatch_uid="cms_pagecache_settings_saved")
def purge_page_cache(sender, **kwargs) -> None:
    pagecache_purge()


@receiver(post_delete, dispatch_uid="cms_pagecache_page_deleted")
def purge_page_cache_on_delete(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page) and instance.live:
        pagecache_purge()
