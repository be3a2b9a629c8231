"""The progress log of one read: a line per page and a summary line at the end.

A page line names what is read (the stream, or the stream a re-read serves: `deleted_time_entries` re-reads
`time_entries`), the list when a stream reads several (`user_cost_rates`: one list per user), the page within
that list, its rows, the rows of the read so far and the total the API gives for the list:

    time_entries: page 2 of 3: 100 rows, 200 rows so far of 250 in total
    user_cost_rates: user 7, page 1 of 1: 2 rows (the user has 2), 72 rows so far
    deleted_time_entries: re-read of time_entries 2026-10-03..2026-12-02, page 1 at offset 0: 40 rows, 40 rows so far
    time_entries: done, 250 rows in 3 pages, 1.2 s
"""

from __future__ import annotations

import logging
import time
from typing import Optional

from source_time_tracking.pagination import Page


class ReadProgress:
    def __init__(self, logger: logging.Logger, name: str) -> None:
        self._logger = logger
        self.label = name  # what the lines say is read; a re-read for another stream says so
        self.pages = 0  # pages of the read
        self.rows = 0  # rows of the read
        self.list_pages = 0  # pages of the list being read (a stream of several lists restarts it per list)
        self._list: Optional[str] = None
        self._started = time.monotonic()

    def start(self) -> None:
        self.pages = self.rows = self.list_pages = 0
        self._list = None
        self._started = time.monotonic()

    def new_list(self, name: str) -> None:
        """The next list of a stream that reads several (its pages are numbered from 1 again)."""
        self._list = name
        self.list_pages = 0

    def page(self, page: Page, rows: int) -> None:
        self.pages += 1
        self.list_pages += 1
        self.rows += rows
        if self._list is None:
            total = f" of {page.total} in total" if page.total is not None else ""
            self._logger.info(f"{self.label}: {page.label}: {rows} rows, {self.rows} rows so far{total}")
        else:
            total = f" (the list has {page.total})" if page.total is not None else ""
            self._logger.info(f"{self.label}: {self._list}, {page.label}: {rows} rows{total}, {self.rows} rows so far")

    def summary(self) -> None:
        pages = "1 page" if self.pages == 1 else f"{self.pages} pages"
        self._logger.info(f"{self.label}: done, {self.rows} rows in {pages}, {time.monotonic() - self._started:.1f} s")
