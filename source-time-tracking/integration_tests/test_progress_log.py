"""The log of a read, as a person reads it: one line per page of every stream kind and a summary per stream,
against the sandbox; the CDK's noise (memory monitor, cumulative runtimes, state blobs) only with --debug."""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

import pytest
from airbyte_cdk.models import Level, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

from source_time_tracking import SourceTimeTracking

PAGE_SIZE = 20
OFFSET_PAGE = re.compile(r"^page (\d+) at offset (\d+): (\d+) rows, (\d+) rows so far$")
NOISE = ("MemoryMonitor instantiated", "Setting state of", "runtimes:", "Backing off", "Rate limit exceeded")


pytestmark = pytest.mark.usefixtures("seeded")  # the sandbox as seeded, before and after each test


def _read(config: dict, streams: list[str], debug: bool = False) -> EntrypointOutput:
    catalog = CatalogBuilder()
    for stream in streams:
        catalog.with_stream(stream, SyncMode.full_refresh)
    output = read(SourceTimeTracking(), config, catalog.build(), debug=debug)
    assert not output.errors, [error.trace.error.message for error in output.errors]
    return output


def _info_lines(output: EntrypointOutput, prefix: str) -> list[str]:
    """The INFO lines that start with `prefix`, without it."""
    return [message.log.message[len(prefix):] for message in output.logs
            if message.log.level == Level.INFO and message.log.message.startswith(prefix)]


def _records(output: EntrypointOutput, stream: str) -> list[dict]:
    return [message.record.data for message in output.records if message.record.stream == stream]


def _generic_config(sandbox: Any) -> dict:
    config = {**sandbox.credentials["generic"], "start_date": "2026-01-01T00:00:00Z"}
    config["provider"] = {**config["provider"], "pagination": {"page_size": PAGE_SIZE}}
    return config


def _pages(count: int) -> str:
    return "1 page" if count == 1 else f"{count} pages"


def _assert_offset_pages(lines: list[str], rows: int) -> None:
    """Pages numbered 1, 2, 3 …, offsets rising, rows so far the running sum, ending at the rows emitted."""
    pages = [OFFSET_PAGE.match(line) for line in lines[:-1]]
    assert all(pages), lines
    numbers, offsets, counts, so_far = zip(*[[int(group) for group in page.groups()] for page in pages])
    assert list(numbers) == list(range(1, len(pages) + 1))
    assert offsets[0] == 0 and list(offsets) == sorted(set(offsets))
    assert [sum(counts[:index + 1]) for index in range(len(counts))] == list(so_far)
    assert so_far[-1] == rows
    assert re.fullmatch(rf"done, {rows} rows in {_pages(len(pages))}, \d+\.\d s", lines[-1]), lines[-1]


def test_generic_offset_pages_and_the_deletion_re_read_are_logged_under_their_own_names(sandbox: Any) -> None:
    output = _read(_generic_config(sandbox), ["time_entries", "deleted_time_entries"])

    entries = _info_lines(output, "time_entries: ")
    assert len(entries) > 3  # a read of several pages
    _assert_offset_pages(entries, len(_records(output, "time_entries")))
    window = _info_lines(output, "deleted_time_entries: re-read of time_entries ")
    assert window and all(re.match(r"\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d: ", line) for line in window)
    window_rows = int(re.search(r"done, (\d+) rows", window[-1]).group(1))
    _assert_offset_pages([line.split(": ", 1)[1] for line in window], window_rows)
    summary = _info_lines(output, "deleted_time_entries: done, window ")
    assert len(summary) == 1 and re.search(rf": {window_rows} entries now, 0 seen before, 0 deleted, \d+\.\d s$",
                                           summary[0])


def test_harvest_user_cost_rates_number_pages_per_user(sandbox: Any) -> None:
    config = {**sandbox.credentials["harvest"], "start_date": "2026-01-01T00:00:00Z"}

    output = _read(config, ["time_entries", "user_cost_rates"])

    entries = len(_records(output, "time_entries"))
    assert _info_lines(output, "time_entries: ")[0] == f"page 1 of 1: {entries} rows, {entries} rows so far of {entries} in total"
    rates = _records(output, "user_cost_rates")
    per_user = Counter(rate["user_id"] for rate in rates)
    assert len(per_user) > 1
    expected, so_far = [], 0
    for user_id in dict.fromkeys(rate["user_id"] for rate in rates):
        so_far += per_user[user_id]
        expected.append(f"user {user_id}, page 1 of 1: {per_user[user_id]} rows (the list has {per_user[user_id]}), "
                        f"{so_far} rows so far")
    lines = _info_lines(output, "user_cost_rates: ")
    assert [line for line in lines if line.startswith("user ")] == expected
    assert re.fullmatch(rf"done, {len(rates)} rows in {_pages(len(per_user))}, \d+\.\d s", lines[-1]), lines[-1]


def test_the_cdks_noise_is_debug_only(sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    streams = ["time_entries", "deleted_time_entries"]

    quiet = _read(_generic_config(sandbox), streams)
    sandbox.control.reset()
    caplog.clear()
    _read(_generic_config(sandbox), streams, debug=True)  # the wrapper keeps INFO and above: caplog sees the rest

    assert not [message.log.message for message in quiet.logs
                if any(noise in message.log.message for noise in NOISE)]
    demoted = [record for record in caplog.records
               if any(record.getMessage().startswith(noise) for noise in ("Setting state of", "SourceTimeTracking runtimes:"))]
    assert len(demoted) == 4 and {record.levelno for record in demoted} == {logging.DEBUG}
