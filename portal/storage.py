"""The private file storage: booking attachments and report workbooks.

``STORAGES["private"]`` is a folder outside ``MEDIA_ROOT`` by default, or a private prefix
(or bucket) of the object storage when ``AWS_STORAGE_BUCKET_NAME`` is set (see
``portal/objectstorage.py``). Either way nothing in it has a public URL: the views that
serve these files check who is asking and stream the bytes themselves.

A ``FileField`` resolves its storage once, when the model class is built. The fields
therefore hold ``private_storage``, a lazy stand-in (like Django's ``default_storage``)
that looks ``STORAGES["private"]`` up on first use, and again after the setting changes
(``override_settings`` in tests). They name it through ``private_file_storage``, a
callable: migrations record a callable storage by its path, and cannot record the
stand-in itself.
"""

from __future__ import annotations

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def private_file_storage() -> PrivateStorage:
    """Files only the parties may read: outside MEDIA_ROOT (or in a private part of the
    object storage), never served by URL. For ``FileField(storage=private_file_storage)``."""
    return private_storage


@receiver(setting_changed)
def _private_storage_reset(*, setting: str, **kwargs) -> None:
    # Django empties its storage registry on the same signal (django.test.signals).
    if setting == "STORAGES":
        private_storage._wrapped = empty
