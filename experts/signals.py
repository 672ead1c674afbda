"""Loose side effects of publishing experts."""

from wagtail.search import index
from wagtail.signals import published

from experts.models import Expert


def reindex_published_expert(sender, instance: Expert, **kwargs) -> None:
    """Index the expert again once the revision is fully stored.

    The save that publishes a revision indexes the row before its services and fields
    (many-to-many) are written, so without this the index would lag one publish behind.
    """
    index.insert_or_update_object(instance)


published.connect(reindex_published_expert, sender=Expert)
