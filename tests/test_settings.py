"""Settings read from the environment, checked in a fresh interpreter each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROBE = """
import json
from portal import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "options": db.get("OPTIONS", {}),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "broker": s.CELERY_BROKER_URL,
    "broker_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "debug": s.DEBUG,
    "storages": s.STORAGES,
    "media_url": s.MEDIA_URL,
    "img_src": s.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
}, default=str))
"""
PORTAL_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "ALLOWED_HOSTS",
    "PORTAL_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
    "MEDIA_ROOT",
    "PRIVATE_ROOT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_PRIVATE_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_S3_CUSTOM_DOMAIN",
    "AWS_S3_URL_PROTOCOL",
    "AWS_MEDIA_ACL",
)


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
    clean["PORTAL_VAR_DIR"] = str(tmp_path)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load_settings(tmp_path, DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key(tmp_path):
    values = loaded(load_settings(tmp_path, DEBUG="0", SECRET_KEY="x" * 50))

    assert values["debug"] is False


def test_postgresql_connections_are_kept_and_checked_before_reuse(tmp_path):
    values = loaded(
        load_settings(tmp_path, DATABASE_URL="postgres://portal@db.internal:5432/portal")
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["conn_max_age"] == 60
    assert values["conn_health_checks"] is True


def test_embedded_default_uses_sqlite_with_wal_and_immediate_transactions(tmp_path):
    values = loaded(load_settings(tmp_path))

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["options"]["init_command"]
    assert values["options"]["timeout"] > 0


def test_embedded_default_uses_the_file_system_broker(tmp_path):
    values = loaded(load_settings(tmp_path))

    assert values["broker"].startswith("filesystem://")
    assert values["broker_options"]["data_folder_in"].startswith(str(tmp_path))


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_switches_to_postgresql(tmp_path, scheme):
    values = loaded(
        load_settings(tmp_path, DATABASE_URL=f"{scheme}://portal:secret@db.internal:5432/portal")
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "portal"
    assert "transaction_mode" not in values["options"]


def test_redis_broker_url_replaces_the_file_system_broker(tmp_path):
    values = loaded(load_settings(tmp_path, CELERY_BROKER_URL="redis://cache.internal:6379/1"))

    assert values["broker"] == "redis://cache.internal:6379/1"
    assert "data_folder_in" not in values["broker_options"]


def test_embedded_default_keeps_files_in_folders_and_media_at_media(tmp_path):
    values = loaded(load_settings(tmp_path))

    assert values["storages"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert values["storages"]["private"]["BACKEND"].endswith("FileSystemStorage")
    assert values["storages"]["private"]["OPTIONS"]["location"] == str(tmp_path / "private")
    assert values["media_url"] == "/media/"
    assert values["img_src"] == ["'self'", "data:"]


OBJECT_STORAGE = {
    "AWS_STORAGE_BUCKET_NAME": "portal-files",
    "AWS_S3_ENDPOINT_URL": "https://minio.internal:9000",
    "AWS_ACCESS_KEY_ID": "access",
    "AWS_SECRET_ACCESS_KEY": "secret",
}


def test_bucket_name_moves_media_and_private_files_to_object_storage(tmp_path):
    values = loaded(load_settings(tmp_path, **OBJECT_STORAGE))

    media, private = values["storages"]["default"], values["storages"]["private"]
    assert media["BACKEND"] == "portal.s3storage.MediaStorage"
    assert private["BACKEND"] == "portal.s3storage.ObjectStorage"
    for options in (media["OPTIONS"], private["OPTIONS"]):
        assert options["bucket_name"] == "portal-files"
        assert options["endpoint_url"] == "https://minio.internal:9000"
        assert (options["access_key"], options["secret_key"]) == ("access", "secret")
        assert options["file_overwrite"] is False
    assert (media["OPTIONS"]["location"], private["OPTIONS"]["location"]) == ("media", "private")
    assert media["OPTIONS"]["default_acl"] == "public-read"
    assert private["OPTIONS"]["default_acl"] is None
    # Path-style addresses by default, as MinIO expects; images are linked from there.
    assert values["media_url"] == "https://minio.internal:9000/portal-files/media/"
    assert "https://minio.internal:9000" in values["img_src"]
    assert values["storages"]["staticfiles"]["BACKEND"].startswith("django.contrib")


def test_virtual_hosted_addresses_custom_domain_and_private_bucket(tmp_path):
    virtual = loaded(
        load_settings(
            tmp_path,
            **{
                **OBJECT_STORAGE,
                "AWS_S3_ENDPOINT_URL": "https://oss-cn-beijing.aliyuncs.com",
                "AWS_S3_ADDRESSING_STYLE": "virtual",
                "AWS_PRIVATE_STORAGE_BUCKET_NAME": "portal-private",
            },
        )
    )
    assert virtual["media_url"] == "https://portal-files.oss-cn-beijing.aliyuncs.com/media/"
    assert virtual["storages"]["private"]["OPTIONS"]["bucket_name"] == "portal-private"
    assert virtual["storages"]["default"]["OPTIONS"]["bucket_name"] == "portal-files"

    cdn = loaded(load_settings(tmp_path, **OBJECT_STORAGE, AWS_S3_CUSTOM_DOMAIN="img.example.cn"))
    assert cdn["media_url"] == "https://img.example.cn/media/"
    assert cdn["img_src"] == ["'self'", "data:", "https://img.example.cn"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AWS_S3_ENDPOINT_URL": ""}, "AWS_S3_ENDPOINT_URL"),
        ({"AWS_S3_ADDRESSING_STYLE": "auto"}, "AWS_S3_ADDRESSING_STYLE"),
    ],
)
def test_incomplete_object_storage_settings_are_refused(tmp_path, env, named):
    result = load_settings(tmp_path, **{**OBJECT_STORAGE, **env})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
