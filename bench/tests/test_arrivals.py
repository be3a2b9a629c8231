"""The steady span read from when records arrive (`bench.arrivals`): the first delivery counted in the start, a
rate only where the span is long and spread enough, whatever the print buffer's granularity."""

import pytest

from bench.arrivals import Arrivals, Steady

RECORD = b'{"type":"RECORD","record":{"stream":"s","data":{"id":1},"emitted_at":0}}\n'
STATE = b'{"type":"STATE","state":{}}\n'


def arrivals(*reads: tuple[float, bytes] | tuple[float, bytes, bool]) -> Arrivals:
    received = Arrivals()
    for at, data, *full in reads:
        received.add(data, at, full=bool(full and full[0]))
    received.finish()
    return received


def test_the_records_that_arrive_with_the_first_are_counted_in_the_start():
    # A CDK source: its first flush holds a page (1,000 records, read in two pieces 1 ms apart), then one flush of
    # 1,000 records every 0.1 s.
    received = arrivals((1.0, RECORD * 600), (1.001, RECORD * 400),
                        *((1.001 + 0.1 * n, RECORD * 1000) for n in range(1, 11)))
    assert received.records == 11_000 and received.first_record == 1.0
    assert received.steady == Steady(records=10_000, seconds=pytest.approx(1.0), longest_wait=pytest.approx(0.1))
    assert received.steady.per_second == pytest.approx(10_000)


def test_a_read_that_filled_the_pipe_belongs_to_the_delivery_that_follows_it_however_late():
    # The bench was slow to read the second half of the first flush: the pipe had stayed full meanwhile.
    received = arrivals((1.0, RECORD * 500, True), (1.03, RECORD * 500),
                        *((1.03 + 0.1 * n, RECORD * 1000) for n in range(1, 11)))
    assert received.steady.records == 10_000 and received.steady.seconds == pytest.approx(1.0)


def test_a_short_read_in_two_flushes_gives_no_rate_but_its_span_and_wait():
    # Scale 30's generic read through the CDK floor: the first record alone, the 9,161 others in one last flush.
    received = arrivals((1.2, RECORD), (1.26, RECORD * 9161))
    assert received.steady == Steady(records=9161, seconds=pytest.approx(0.06), longest_wait=pytest.approx(0.06))
    assert received.steady.per_second is None and received.steady.why_not() == "0.06 s, wait 0.06 s"


def test_a_long_span_in_few_deliveries_gives_no_rate():
    received = arrivals((1.0, RECORD), (1.5, RECORD * 100), (2.0, RECORD * 100), (2.1, RECORD))
    assert received.steady.seconds == pytest.approx(1.1) and received.steady.per_second is None


def test_a_continuous_stream_of_a_quarter_second_gives_a_rate_after_its_first_page():
    # The parse-only limit: 8 KiB blocks every 0.5 ms, 5 ms for each page's request after 100 blocks; its first
    # page arrives as one delivery.
    reads = [(0.1 + 0.0005 * n + 0.005 * (n // 100), RECORD * 20) for n in range(600)]
    received = arrivals(*reads)
    assert received.steady.records == 20 * 500
    assert received.steady.per_second == pytest.approx(20 * 500 / (reads[-1][0] - reads[99][0]))
    assert received.steady.longest_wait == pytest.approx(0.0055)


def test_lines_split_across_reads_count_once_and_other_messages_not_at_all():
    data = STATE + RECORD * 3 + STATE + RECORD * 2
    received = arrivals(*((0.5 + 0.01 * n, data[n * 7:(n + 1) * 7]) for n in range(len(data) // 7 + 1)))
    assert received.records == 5


def test_a_last_line_without_its_newline_still_counts():
    assert arrivals((0.5, RECORD), (0.6, RECORD[:-1])).records == 2


def test_a_program_that_prints_no_record_has_no_steady_span():
    received = arrivals((0.5, STATE))
    assert received.records == 0 and received.steady == Steady() and received.steady.per_second is None
