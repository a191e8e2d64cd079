"""Every URL pattern of the project, found by walking the resolver (not a hand-kept list)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name (``namespace:name``, or the route when it has no name)
    and its route text from the root."""

    name: str
    route: str
    namespace: str

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin"


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name or route, route=route, namespace=namespace)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", ""))
