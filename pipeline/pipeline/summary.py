"""What a sync did, per stream, and how it is shown at the end of a run."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class StreamSummary:
    stream: str
    rows: int  # records read from the source in this sync (0: nothing changed since the saved state)
    seconds: float | None  # from the stream's first message to its COMPLETE status; None if never started


@dataclass(frozen=True)
class SyncSummary:
    connection: str
    mode: str  # "incremental" or "full refresh"
    destination: str  # Staging.describe() of where the rows went
    table_prefix: str
    streams: tuple[StreamSummary, ...]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(stream.rows for stream in self.streams)

    def rows_by_stream(self) -> dict[str, int]:
        return {stream.stream: stream.rows for stream in self.streams}


def format_sync_summary(summary: SyncSummary) -> str:
    """A table of rows, seconds and rows/s per stream, one line per stream plus the connection's total."""
    width = max([len("stream"), len("total"), *(len(s.stream) for s in summary.streams)])
    lines = [
        f"{summary.connection} ({summary.mode}) → {summary.destination}, tables {summary.table_prefix}*",
        f"  {'stream':<{width}}  {'rows':>9}  {'seconds':>8}  {'rows/s':>8}",
    ]
    for stream in summary.streams:
        lines.append(f"  {stream.stream:<{width}}  {stream.rows:>9,}  {_seconds(stream.seconds)}  "
                     f"{_rate(stream.rows, stream.seconds)}")
    lines.append(f"  {'total':<{width}}  {summary.rows:>9,}  {_seconds(summary.seconds)}  "
                 f"{_rate(summary.rows, summary.seconds)}")
    return "\n".join(lines)


def _seconds(seconds: float | None) -> str:
    return f"{'-' if seconds is None else f'{seconds:.1f}':>8}"


def _rate(rows: int, seconds: float | None) -> str:
    return f"{'-' if not seconds else f'{rows / seconds:,.0f}':>8}"


def format_table(headers: list[str], rows: list[list[object]]) -> str:
    """A plain, aligned text table: text left-aligned, numbers right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[index]) for row in cells)]) for index, header in enumerate(headers)]
    numeric = [all(_is_number(row[index]) for row in rows) and rows for index in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(value.rjust(width) if right else value.ljust(width)
                         for value, width, right in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in cells)])


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if _is_number(value):
        return f"{value:,.2f}"
    return str(value)
