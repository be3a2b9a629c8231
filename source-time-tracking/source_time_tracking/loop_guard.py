"""Loop guards: a list whose pages stop making progress ends the read with a clear error instead of looping.

A broken or hostile API can answer the same page again (an ignored `offset`, a stale cache), send a
`links.next` to a page already read or a `next_page` that does not move on, or keep sending pages past
the total it announced. Any of those would page forever, emitting the same rows again and again. One
`LoopGuard` watches the pages of one read of one list (one slice) and stops it at the first sign.

The margins allow what a live list legitimately does: rows inserted while it is paged move later rows
down (one comes twice) and raise the total, so a read may run up to one page past the totals it saw.
"""

from __future__ import annotations

from typing import Any, Hashable, Optional, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.errors import request_line, safe_url


class PagingLoopError(AirbyteTracedException):
    """The API's paging does not progress: the same answer on every retry, so a system error."""

    def __init__(self, provider: str, stream: str, what: str, request: requests.PreparedRequest):
        message = (f"{provider} paging of {stream} does not make progress: {what} ({request_line(request)}). "
                   f"The read stops instead of looping; the API's paging is broken.")
        super().__init__(message=message, internal_message=message, failure_type=FailureType.system_error)


def _canonical(url: str) -> str:
    """The URL with its query parameters sorted, so the same page compares equal however it is spelled."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, urlencode(sorted(parse_qsl(parts.query))), ""))


class LoopGuard:
    def __init__(self, provider: str, stream: str) -> None:
        self._provider = provider
        self._stream = stream
        self.restart()

    def restart(self) -> None:
        """Forget the pages seen: a new read (or slice) of the list begins."""
        self._pages = 0
        self._rows = 0
        self._previous_keys: Optional[list[Hashable]] = None
        self._requested: set[str] = set()
        self._most_rows: Optional[int] = None
        self._most_pages: Optional[int] = None

    def check_page(self, request: requests.PreparedRequest, keys: Sequence[Any], page_size: int, total_rows: Optional[int] = None,
                   total_pages: Optional[int] = None) -> None:
        """One page read: its record keys, the page size asked for and the totals the API announced."""
        self._pages += 1
        self._rows += len(keys)
        self._requested.add(_canonical(request.url))
        # Only pages whose rows all carry a key can be compared (an empty page ends a list on its own).
        keys = list(keys) if keys and None not in keys else None  # JSON keys: only None equals None
        if keys is not None and keys == self._previous_keys:
            raise PagingLoopError(self._provider, self._stream,
                                  f"page {self._pages} repeats the {len(keys)} keys of page {self._pages - 1}", request)
        self._previous_keys = keys
        if total_rows is not None:
            self._most_rows = max(total_rows, self._most_rows or 0)
        if total_pages is not None:
            self._most_pages = max(total_pages, self._most_pages or 0)
        if self._most_rows is not None and self._rows > self._most_rows + page_size:
            raise PagingLoopError(self._provider, self._stream, f"{self._rows} rows read in {self._pages} pages, "
                                  f"more than the API's total of {self._most_rows} allows", request)
        if self._most_pages is not None and self._pages > self._most_pages + 1:
            raise PagingLoopError(self._provider, self._stream, f"{self._pages} pages read, more than the API's "
                                  f"total_pages of {self._most_pages} allows", request)

    def check_next_url(self, request: requests.PreparedRequest, next_url: str) -> None:
        """A `links.next` to a page this read already requested would repeat forever."""
        if _canonical(next_url) in self._requested:
            raise PagingLoopError(self._provider, self._stream, f"links.next of page {self._pages} points to a "
                                  f"page already read ({safe_url(next_url)})", request)

    def check_next_page(self, request: requests.PreparedRequest, page: Any, next_page: Any) -> None:
        """A page number's `next_page` must be after it."""
        if isinstance(page, int) and isinstance(next_page, int) and next_page <= page:
            raise PagingLoopError(self._provider, self._stream,
                                  f"next_page {next_page} of page {page} does not move forward", request)
