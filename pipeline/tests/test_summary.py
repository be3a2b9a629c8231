from decimal import Decimal

from pipeline.summary import StreamSummary, SyncSummary, format_sync_summary, format_table


def _summary():
    return SyncSummary(connection="time_generic", mode="incremental", destination="DuckDB x.duckdb schema staging",
                       table_prefix="time_generic__", seconds=7.25, streams=(
                           StreamSummary("time_entries", 1234, 2.04), StreamSummary("deleted_time_entries", 0, None)))


def test_totals_and_rows_by_stream():
    summary = _summary()
    assert summary.rows == 1234
    assert summary.rows_by_stream() == {"time_entries": 1234, "deleted_time_entries": 0}


def test_sync_summary_shows_rows_seconds_and_rows_per_second_per_stream_and_a_total():
    assert format_sync_summary(_summary()).splitlines() == [
        "time_generic (incremental) → DuckDB x.duckdb schema staging, tables time_generic__*",
        "  stream                     rows   seconds    rows/s",
        "  time_entries              1,234       2.0       605",
        "  deleted_time_entries          0         -         -",
        "  total                     1,234       7.2       170",
    ]


def test_table_aligns_text_left_and_numbers_right():
    table = format_table(["month", "time cost", "rows"], [["2026-01", Decimal("1234.5"), 3], ["2026-02", Decimal("-7"), 12]])
    assert table.splitlines() == [
        "month    time cost  rows",
        "-------  ---------  ----",
        "2026-01   1,234.50     3",
        "2026-02      -7.00    12",
    ]
