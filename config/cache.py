"""A Redis cache that degrades to "no cache" while Redis is unreachable.

The cache holds only what can be recomputed: sessions are also in the database
(``cached_db``), rate-limit counters start again. So when Redis dies mid-election, pages and
ballot casting go on against PostgreSQL instead of failing; every call that meets the
outage is logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError)


def _tolerant(method: Callable[..., Any], fallback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _OUTAGE:
            logger.warning(
                "Redis unreachable during cache %s; carrying on without it.", method.__name__
            )
            return fallback(*args, **kwargs)

    return call


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return kwargs.get("default", default)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis-py client per connection pool.

    Django makes a new redis-py client for every call, and a redis-py client registers its
    hundred-odd response callbacks when it is made: that cost more than the GET itself, on
    every request that reads its session. A redis-py client is safe to share between
    threads (connections come from the pool).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _tolerant(RedisCache.get, _default)
    get_many = _tolerant(RedisCache.get_many, lambda *a, **k: {})
    set = _tolerant(RedisCache.set, lambda *a, **k: None)
    set_many = _tolerant(RedisCache.set_many, lambda data, *a, **k: list(data))
    # "Added": a short lock taken with add() (allauth's rate limits) must not turn an outage
    # into refusals. Work queued through Celery cannot run meanwhile (its broker is Redis),
    # and what our own locks protect is idempotent behind database constraints anyway.
    add = _tolerant(RedisCache.add, lambda *a, **k: True)
    touch = _tolerant(RedisCache.touch, lambda *a, **k: False)
    delete = _tolerant(RedisCache.delete, lambda *a, **k: False)
    delete_many = _tolerant(RedisCache.delete_many, lambda *a, **k: None)
    has_key = _tolerant(RedisCache.has_key, lambda *a, **k: False)
    incr = _tolerant(RedisCache.incr, lambda key, delta=1, *a, **k: delta)
    clear = _tolerant(RedisCache.clear, lambda *a, **k: None)
