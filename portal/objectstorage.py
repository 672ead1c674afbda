"""``STORAGES`` for S3-compatible object storage, from the ``AWS_*`` variables.

Aliyun OSS, Tencent COS, Huawei OBS, MinIO and AWS all speak the S3 API. One bucket holds
two prefixes (or the private files get a bucket of their own):

- ``media/``: images and their renditions, written ``public-read`` and linked straight
  from the pages at ``MEDIA_URL``: the bucket's address, or ``AWS_S3_CUSTOM_DOMAIN`` (a
  CDN or the bucket's own domain). Wagtail documents are the exception (``MediaStorage``);
- ``private/``: booking attachments and report workbooks, private objects that only the
  portal's views read, after their permission checks, and stream to the user. No signed
  URL is ever handed out.

Used by ``portal/settings.py`` and by the tests' S3 server (``tests/objectstore.py``).
Nothing here imports boto3: the settings of a portal without object storage never load it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

MEDIA_LOCATION = "media"
PRIVATE_LOCATION = "private"
ADDRESSING_STYLES = ("path", "virtual")


def object_storages(
    *,
    bucket: str,
    endpoint_url: str,
    private_bucket: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    addressing_style: str = "path",
    custom_domain: str = "",
    url_protocol: str = "https:",
    media_acl: str = "public-read",
) -> dict[str, dict]:
    """The ``"default"`` (public media) and ``"private"`` entries of ``STORAGES``."""
    if not endpoint_url:
        raise ImproperlyConfigured(
            "AWS_S3_ENDPOINT_URL must be set with AWS_STORAGE_BUCKET_NAME: the S3 endpoint "
            "of the object storage, e.g. https://oss-cn-beijing.aliyuncs.com"
        )
    if addressing_style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"AWS_S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}."
        )
    endpoint = urlsplit(endpoint_url)
    if custom_domain:
        custom_domain = custom_domain.strip("/")
    else:
        # Public URLs are the bucket's address; built here (as botocore builds unsigned
        # ones) so that rendering a page with images makes no call to the S3 client.
        url_protocol = f"{endpoint.scheme}:"
        if addressing_style == "virtual":
            custom_domain = f"{bucket}.{endpoint.netloc}"
        else:
            custom_domain = f"{endpoint.netloc}{endpoint.path.rstrip('/')}/{bucket}"
    common = {
        "endpoint_url": endpoint_url,
        "region_name": region or None,
        # Empty: boto3 looks further (its configuration files, the instance's role).
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "addressing_style": addressing_style,
        # As on the file system, a new upload never replaces a file of the same name.
        "file_overwrite": False,
        # A file read back (to stream it, to make a rendition) stays in memory up to 2 MiB,
        # above that in a temporary file.
        "max_memory_size": 2 * 1024 * 1024,
    }
    return {
        "default": {
            "BACKEND": "portal.s3storage.MediaStorage",
            "OPTIONS": {
                **common,
                "bucket_name": bucket,
                "location": MEDIA_LOCATION,
                "default_acl": media_acl or None,
                "querystring_auth": False,
                "custom_domain": custom_domain,
                "url_protocol": url_protocol,
            },
        },
        "private": {
            "BACKEND": "portal.s3storage.ObjectStorage",
            "OPTIONS": {
                **common,
                "bucket_name": private_bucket or bucket,
                "location": PRIVATE_LOCATION,
                # No ACL sent: a new object is readable by the bucket's owner only.
                "default_acl": None,
                # Should anything ask for a URL, it gets a signed one valid for 5 minutes.
                "querystring_auth": True,
                "querystring_expire": 300,
            },
        },
    }


def media_url(storages: dict[str, dict]) -> str:
    """The public address of the media prefix, e.g. ``https://media.example.gov.cn/media/``."""
    options = storages["default"]["OPTIONS"]
    return f"{options['url_protocol']}//{options['custom_domain']}/{options['location']}/"


def url_origin(url: str) -> str:
    """``https://host:port`` of an absolute URL, "" for a site-relative one."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
