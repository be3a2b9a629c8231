"""The three pagination styles: offset/limit (generic API), a `links.next` URL (Harvest, page or cursor style)
and page numbers (Clockify, QuickBooks Time, Toggl's v9 lists).

A paginator answers three questions for a stream: the parameters of a page, the token of the next page
(or None to stop), and how to describe a page in the progress log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional
from urllib.parse import parse_qs, urlsplit

import requests

from source_time_tracking.errors import shape_error
from source_time_tracking.origin import same_origin


def get_path(body: Any, path: str, default: Any = None) -> Any:
    """The value at a `/`-separated path of keys (`data`, `result/items`; a number indexes a list); `default`
    when it is absent. Plain lookups, one per key: a page is never walked (dpath globbed all of it)."""
    value = body
    for key in path.split("/"):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return default
    return value


@dataclass(frozen=True)
class Page:
    """What the progress log says about one page."""

    label: str  # "page 3 at offset 200" / "page 3 of 7"
    total: Optional[int]  # rows the API says exist, when it says so
    total_pages: Optional[int] = None  # pages the API says exist, when it says so


class OffsetPaginator:
    """`offset`/`limit` parameters. Stops on a short or empty page, or when `offset >= total`.

    Every page after the first starts one row early (`offset - 1`): that row must be the last row of the
    previous page (the token's `anchor`). If it is not, rows moved between the two requests (an entry
    edited or deleted during the read moves the later rows up) and one may have been paged over; the
    stream then caps its checkpoint (see `GenericTimeEntries`). Costs one row per page; with `page_size`
    1 there is no room for an overlap, so pages do not overlap and moves go unnoticed.
    """

    def __init__(self, offset_param: str, limit_param: str, page_size: int, total_path: Optional[str]) -> None:
        self._offset_param = offset_param
        self._limit_param = limit_param
        self.page_size = page_size
        self._total_path = total_path
        self.overlaps = page_size > 1

    def params(self, token: Optional[Mapping[str, Any]]) -> dict[str, Any]:
        offset = (token or {}).get("offset", 0)
        if self.overlaps and (token or {}).get("anchor") and offset > 0:
            offset -= 1  # re-read the previous page's last row to prove nothing moved in between
        return {self._offset_param: offset, self._limit_param: self.page_size}

    def total(self, body: Any) -> Optional[int]:
        value = get_path(body, self._total_path) if self._total_path else None
        return int(value) if isinstance(value, (int, float, str)) and str(value).isdigit() else None

    def next_token(self, token: Optional[Mapping[str, Any]], body: Any, rows_on_page: int) -> Optional[dict[str, int]]:
        next_offset = (token or {}).get("offset", 0) + rows_on_page
        total = self.total(body)
        if rows_on_page < self.page_size or (total is not None and next_offset >= total):
            return None
        return {"offset": next_offset}

    def describe(self, token: Optional[Mapping[str, Any]], body: Any, page_number: int) -> Page:
        return Page(f"page {page_number} at offset {(token or {}).get('offset', 0)}", self.total(body))


class LinksNextPaginator:
    """Follows `links.next` until it is null; works for Harvest's `page=` and `cursor=` links alike.

    The next URL already carries every query parameter, so a next page sends no parameters of its own.
    It must stay on the configured API host: the Authorization header must never go anywhere else.
    """

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url

    def next_token(self, body: Any, request: requests.PreparedRequest) -> Optional[dict[str, str]]:
        next_url = get_path(body, "links/next")
        if not next_url:
            return None
        if not isinstance(next_url, str) or not same_origin(next_url, self._base_url):
            raise shape_error(f"links.next points outside the configured API ({next_url!r})", request)
        return {"next_url": next_url}

    @staticmethod
    def describe(body: Any, page_number: int) -> Page:
        pages = get_path(body, "total_pages")
        total = get_path(body, "total_entries")
        label = f"page {page_number} of {pages}" if isinstance(pages, int) else f"page {page_number}"
        return Page(label, total if isinstance(total, int) else None, pages if isinstance(pages, int) else None)


class PageNumberPaginator:
    """`page` (from 1) and a page-size parameter. The next page's number follows from the number the page was
    really asked with, read back from its request. When the list ends is each provider's own rule (Clockify: an
    empty page; QuickBooks Time: `more` false; Toggl: a short page), so the caller says whether more follow."""

    def __init__(self, size_param: str, page_size: int, page_param: str = "page") -> None:
        self._size_param = size_param
        self._page_param = page_param
        self.page_size = page_size

    def params(self, token: Optional[Mapping[str, Any]]) -> dict[str, Any]:
        return {self._page_param: (token or {}).get("page", 1), self._size_param: self.page_size}

    def page_sent(self, response: requests.Response) -> int:
        return sent_query_number(response, self._page_param, 1)

    def next_token(self, response: requests.Response, more: bool) -> Optional[dict[str, int]]:
        return {"page": self.page_sent(response) + 1} if more else None

    def describe(self, response: requests.Response) -> Page:
        return Page(f"page {self.page_sent(response)}", None)


def sent_query_number(response: requests.Response, name: str, default: int) -> int:
    """The number a page was asked for with (`page=`, `offset=`), read back from the request that was sent:
    what the next page's number follows from."""
    values = parse_qs(urlsplit(response.request.url).query).get(name) or [str(default)]
    return int(values[-1])
