"""pytest-xdist workers never share a Redis database (tests/isolation.py)."""

from __future__ import annotations

import pytest

from tests.isolation import redis_url_for_worker


def test_each_worker_gets_databases_of_its_own_for_cache_and_broker():
    cache, broker = "redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/0"
    urls = [redis_url_for_worker(url, worker) for worker in range(3) for url in (cache, broker)]
    assert urls == [
        "redis://127.0.0.1:6379/3",
        "redis://127.0.0.1:6379/2",
        "redis://127.0.0.1:6379/5",
        "redis://127.0.0.1:6379/4",
        "redis://127.0.0.1:6379/7",
        "redis://127.0.0.1:6379/6",
    ]
    assert redis_url_for_worker("redis://:secret@cache.internal:6380", 0) == (
        "redis://:secret@cache.internal:6380/2"
    )


def test_too_many_workers_for_redis_is_an_error_not_a_shared_database():
    with pytest.raises(RuntimeError, match="run fewer workers"):
        redis_url_for_worker("redis://127.0.0.1:6379/1", 7)
