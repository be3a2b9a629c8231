"""Where requests may go: the configured API's origin (scheme, host and port), never anywhere else.

A request carries the credentials in its headers, so its URL must stay on the origin of `base_url`: the
generic `entries_path` must be a path under `base_url` (refused at config time otherwise), and Harvest's
`links.next` must point to the same origin (refused when a page is read). Redirects are never followed
(`TimeTrackingStream.request_kwargs`).
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import unquote, urljoin, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, Optional[int]]:
    """(scheme, host, port) with the scheme's default port filled in; user-info plays no part."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def same_origin(url: str, other: str) -> bool:
    try:
        return origin(url) == origin(other)
    except ValueError:  # a port that is not a number
        return False


def path_under(base_url: str, path: str) -> str:
    """The URL of `path` appended to `base_url`, as the stream requests it; ValueError if it leaves `base_url`."""
    relative = path.lstrip("/")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        raise ValueError(f"must be a path under base_url, not a URL of its own ({path!r})")
    if "\\" in path or any(unquote(segment) in (".", "..") for segment in urlsplit(relative).path.split("/")):
        raise ValueError(f"must be a path under base_url, without '.', '..' or '\\' segments ({path!r})")
    base = base_url.rstrip("/") + "/"
    url = urljoin(base, relative)
    if not same_origin(url, base) or not urlsplit(url).path.startswith(urlsplit(base).path):
        raise ValueError(f"must be a path under base_url ({path!r} resolves to {url})")
    return url
