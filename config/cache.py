"""A Redis cache that degrades to "no cache" while Redis is unreachable, except for the keys
that protect sign-in, which fall back to a cache in the process.

The cache holds mostly what can be recomputed: sessions are also in the database
(``cached_db``). So when Redis dies mid-election, pages and ballot casting go on against
PostgreSQL instead of failing; every call that meets the outage is logged.

Two kinds of key must not be forgotten during an outage, or the protection they give is off
while it lasts: allauth's rate-limit counters (and their locks), and the TOTP codes already
used (allauth refuses a code seen before). For those, an outage sends the call to a local
in-memory cache of this process instead: each web process then counts on its own (the limits
are at most as many times looser as there are processes), but they are never off.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError)
# allauth's keys: rate limits (allauth/core/internal/ratelimit.py, "allauth:rl:...", locks
# included) and used TOTP codes (allauth/mfa/totp/internal/auth.py).
FAIL_CLOSED_PREFIXES: tuple[str, ...] = ("allauth:rl:", "allauth.mfa.totp.used")


def fails_closed(key: Any) -> bool:
    """True for a key whose loss during an outage would switch a protection off."""
    return isinstance(key, str) and key.startswith(FAIL_CLOSED_PREFIXES)


def _tolerant(method: Callable[..., Any], fallback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _OUTAGE:
            key = args[0] if args else kwargs.get("key")
            if fails_closed(key):
                logger.warning(
                    "Redis unreachable during cache %s; keeping %s in this process.",
                    method.__name__,
                    key,
                )
                local_method = getattr(self.local, method.__name__)
                return local_method(*args, **kwargs)
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
        # Where the fail-closed keys go while Redis is unreachable. Django makes a cache object
        # per thread; LocMemCache objects of one name share their store, so every thread of
        # the process counts together. Room for many keys: a full LocMemCache drops a third of
        # them, which would let someone spraying addresses wipe the counters.
        self.local = LocMemCache(
            f"stackvote-fail-closed:{server}", {"OPTIONS": {"MAX_ENTRIES": 100_000}}
        )

    get = _tolerant(RedisCache.get, _default)
    get_many = _tolerant(RedisCache.get_many, lambda *a, **k: {})
    set = _tolerant(RedisCache.set, lambda *a, **k: None)
    set_many = _tolerant(RedisCache.set_many, lambda data, *a, **k: list(data))
    # "Added": a short lock taken with add() must not turn an outage into refusals. Work
    # queued through Celery cannot run meanwhile (its broker is Redis), and what our own locks
    # protect is idempotent behind database constraints anyway. (The rate limits' locks and
    # used TOTP codes are fail-closed keys: they go to the local cache, above.)
    add = _tolerant(RedisCache.add, lambda *a, **k: True)
    touch = _tolerant(RedisCache.touch, lambda *a, **k: False)
    delete = _tolerant(RedisCache.delete, lambda *a, **k: False)
    delete_many = _tolerant(RedisCache.delete_many, lambda *a, **k: None)
    has_key = _tolerant(RedisCache.has_key, lambda *a, **k: False)
    incr = _tolerant(RedisCache.incr, lambda key, delta=1, *a, **k: delta)
    _clear_redis = _tolerant(RedisCache.clear, lambda *a, **k: None)

    def clear(self) -> None:
        self.local.clear()
        self._clear_redis()
