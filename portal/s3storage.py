"""The S3 storage backends behind ``STORAGES`` when object storage is configured
(``AWS_STORAGE_BUCKET_NAME``; the options are built by ``portal/objectstorage.py``).
https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
"""

from __future__ import annotations

from botocore.config import Config
from storages.backends.s3 import S3Storage


class ObjectStorage(S3Storage):
    """``S3Storage`` whose client sends checksums only when the S3 API requires them.

    boto3 1.36 and later add CRC checksum headers to every upload by default; several
    S3-compatible services (Huawei OBS and older MinIO among them) refuse those uploads.
    https://github.com/boto/boto3/issues/4392
    """

    def __init__(self, **options) -> None:
        if options.get("client_config") is None:
            options["client_config"] = Config(
                s3={"addressing_style": options.get("addressing_style")},
                signature_version=options.get("signature_version"),
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
        super().__init__(**options)


class MediaStorage(ObjectStorage):
    """Public media: objects written with the media ACL (``public-read``), so pages link
    images and renditions straight to the object store, except Wagtail documents: those
    are written private, because the portal's document view serves them after checking
    the privacy of their collection (``WAGTAILDOCS_SERVE_METHOD = "serve_view"``)."""

    # Wagtail's Document.file is stored under upload_to="documents".
    private_folders = ("documents/",)

    def get_object_parameters(self, name: str) -> dict:
        params = super().get_object_parameters(name)
        # Called with the full key when writing and with the name below ``location``
        # when reading; only writes use the ACL.
        relative = name.removeprefix(f"{self.location}/")
        if self.default_acl and relative.startswith(self.private_folders):
            params["ACL"] = "private"
        return params
