"""`deleted_time_entries` for both providers: the window re-read, tombstones, bounded state, safety."""

from __future__ import annotations

import base64
import zlib
from unittest import TestCase

import freezegun
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.mock_http.response_builder import FieldPath

from source_time_tracking.deletions import IdSet, decode_ids, encode_ids
from unit_tests.config import ConfigBuilder
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.request_builder import GenericRequestBuilder, HarvestRequestBuilder
from unit_tests.response_builder import (generic_entry, generic_response, harvest_record, harvest_response, raw_response,
                                         template_response, with_total_entries)

_STREAM = "deleted_time_entries"
_NOW = "2026-11-25T08:00:00Z"
# deletion_window_days=60 → work dates 2026-09-26 … 2026-11-25
_FIRST, _LAST = "2026-09-26", "2026-11-25"


def _seen_state(ids_by_date: dict[str, list[str]], read_started_at: str = "2026-11-24T08:00:00Z") -> dict:
    return {"window_first_date": "2026-09-25", "window_last_date": "2026-11-24", "read_started_at": read_started_at,
            "seen_ids": {work_date: encode_ids(ids) for work_date, ids in ids_by_date.items()}}


def _harvest_window(*entries: tuple[int, str]):
    response = harvest_response("time_entries")
    for entry_id, spent_date in entries:
        response.with_record(harvest_record("time_entries").with_id(entry_id).with_field(FieldPath("spent_date"), spent_date))
    return response.build()


@freezegun.freeze_time(_NOW)
class HarvestDeletionsTest(TestCase):
    @HttpMocker()
    def test_given_no_state_when_read_then_nothing_reported_and_window_ids_kept(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(),
                        _harvest_window((5, "2026-10-01"), (6, "2026-10-01"), (7, "2026-11-02")))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental)

        assert output.records == []
        state = stream_state(output)
        assert {day: decode_ids(blob) for day, blob in state["seen_ids"].items()} == {
            "2026-10-01": {"5", "6"}, "2026-11-02": {"7"}}
        assert (state["window_first_date"], state["window_last_date"]) == (_FIRST, _LAST)

    @HttpMocker()
    def test_given_ids_seen_before_when_gone_now_then_tombstones(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(),
                        _harvest_window((5, "2026-10-01")))
        # Candidates are checked against what changed since the previous re-read (none of them did).
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since("2026-11-24T07:55:00Z").build(),
                        _harvest_window())
        state = _seen_state({"2026-10-01": ["5", "6"], "2026-11-02": ["7"]})

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental, state=state)

        assert record_data(output) == [
            {"id": "6", "work_date": "2026-10-01", "deleted_at": "2026-11-25T08:00:00Z"},
            {"id": "7", "work_date": "2026-11-02", "deleted_at": "2026-11-25T08:00:00Z"},
        ]
        assert {day: decode_ids(blob) for day, blob in stream_state(output)["seen_ids"].items()} == {"2026-10-01": {"5"}}

    @staticmethod
    def _window_that_shifted(http_mocker: HttpMocker) -> None:
        """total_entries drops between the pages: entry 6, missing, may have slid onto page 1 unread."""
        page_2 = "https://api.harvestapp.com/v2/time_entries?from=2026-09-26&to=2026-11-25&page=2&per_page=2000"
        page_1 = harvest_response("time_entries", next_url=page_2).with_record(
            harvest_record("time_entries").with_id(5).with_field(FieldPath("spent_date"), "2026-10-01")).with_pagination().build()
        http_mocker.get(HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(),
                        with_total_entries(page_1, 4001))
        http_mocker.get(HarvestRequestBuilder.next_link(page_2).build(),
                        with_total_entries(_harvest_window((7, "2026-11-02")), 4000))

    @HttpMocker()
    def test_given_an_entry_paged_over_while_the_window_shifted_when_read_then_looked_up_and_kept(self, http_mocker: HttpMocker) -> None:
        self._window_that_shifted(http_mocker)
        http_mocker.get(HarvestRequestBuilder.time_entry(6).build(), raw_response(
            harvest_record("time_entries").with_id(6).with_field(FieldPath("spent_date"), "2026-10-01").build()))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-01": ["5", "6"], "2026-11-02": ["7"]}))

        assert record_data(output) == []
        kept = {day: decode_ids(blob) for day, blob in stream_state(output)["seen_ids"].items()}
        assert kept == {"2026-10-01": {"5", "6"}, "2026-11-02": {"7"}}

    @HttpMocker()
    def test_given_an_entry_moved_out_of_the_window_while_it_shifted_when_read_then_neither_reported_nor_kept(
            self, http_mocker: HttpMocker) -> None:
        self._window_that_shifted(http_mocker)
        http_mocker.get(HarvestRequestBuilder.time_entry(6).build(), raw_response(
            harvest_record("time_entries").with_id(6).with_field(FieldPath("spent_date"), "2026-08-15").build()))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-01": ["5", "6"], "2026-11-02": ["7"]}))

        assert record_data(output) == []
        kept = {day: decode_ids(blob) for day, blob in stream_state(output)["seen_ids"].items()}
        assert kept == {"2026-10-01": {"5"}, "2026-11-02": {"7"}}  # a later sync cannot take it for a delete

    @HttpMocker()
    def test_given_an_entry_deleted_while_the_window_shifted_when_read_then_404_makes_a_tombstone(self, http_mocker: HttpMocker) -> None:
        self._window_that_shifted(http_mocker)
        http_mocker.get(HarvestRequestBuilder.time_entry(6).build(), template_response("harvest_404", 404))
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since("2026-11-24T07:55:00Z").build(),
                        _harvest_window())

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-01": ["5", "6"], "2026-11-02": ["7"]}))

        assert record_data(output) == [{"id": "6", "work_date": "2026-10-01", "deleted_at": "2026-11-25T08:00:00Z"}]
        kept = {day: decode_ids(blob) for day, blob in stream_state(output)["seen_ids"].items()}
        assert kept == {"2026-10-01": {"5"}, "2026-11-02": {"7"}}

    @HttpMocker()
    def test_given_entry_moved_out_of_the_window_when_read_then_not_reported(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(), _harvest_window())
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since("2026-11-24T07:55:00Z").build(),
                        _harvest_window((6, "2026-08-15")))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-01": ["6"]}))

        assert output.records == []

    @HttpMocker()
    def test_given_ids_whose_date_left_the_window_when_read_then_dropped_not_reported(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(), _harvest_window())

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-09-25": ["1", "2"]}))

        assert output.records == []
        assert stream_state(output)["seen_ids"] == {}

    @HttpMocker()
    def test_given_window_reread_fails_midway_when_read_then_no_tombstone_and_state_kept(self, http_mocker: HttpMocker) -> None:
        next_url = f"https://api.harvestapp.com/v2/time_entries?from={_FIRST}&to={_LAST}&page=2&per_page=2000"
        http_mocker.get(
            HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(),
            harvest_response("time_entries", next_url=next_url).with_record(
                harvest_record("time_entries").with_id(5).with_field(FieldPath("spent_date"), "2026-10-01"))
            .with_pagination().build(),
        )
        http_mocker.get(HarvestRequestBuilder.next_link(next_url).build(), template_response("harvest_403", 403))
        state = _seen_state({"2026-10-01": ["5", "6"]})

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental, state=state,
                             expecting_exception=True)

        assert output.records == []
        assert all(dict(m.state.stream.stream_state.__dict__) == state for m in output.state_messages)

    @HttpMocker()
    def test_given_an_entry_whose_date_moved_inside_the_window_when_read_then_kept_under_its_new_date(
            self, http_mocker: HttpMocker) -> None:
        # No `updated_since` read is mocked: an id found under another date of the window is not a candidate.
        http_mocker.get(HarvestRequestBuilder.time_entries().with_work_dates(_FIRST, _LAST).build(),
                        _harvest_window((6, "2026-10-01"), (5, "2026-10-20"), (4_000_000_001, "2026-10-01")))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-01": ["5", "6"], "2026-10-20": ["4000000001"]}))

        assert record_data(output) == []
        kept = {day: decode_ids(blob) for day, blob in stream_state(output)["seen_ids"].items()}
        assert kept == {"2026-10-01": {"6", "4000000001"}, "2026-10-20": {"5"}}

    def test_id_sets_hold_integer_ids_as_numbers_and_every_other_id_exactly_as_text(self) -> None:
        texts = ["012", "-3", "te_1", "12345678901234567890", "1e3", " 7", "\u0663", "\u00b2"]  # not plain integers: text
        ids = IdSet(["12", "9", "12", "0", *texts])

        assert ids == {"0", "9", "12", *texts} and len(ids) == 11
        assert list(ids.numbers()) == [0, 9, 12] and list(ids.hex_ids()[10]) == ["12345678901234567890"]
        assert sorted(ids.texts()) == sorted(set(texts) - {"12345678901234567890"})  # 20 digits: too long a number
        assert "12" in ids and "012" in ids and "7" not in ids and " 7" in ids and 12 not in ids
        assert decode_ids(encode_ids(ids)) == ids  # round trip, every id as it was sent
        assert set(ids.missing_from(IdSet(["9", "012", "te_2"]))) == {"0", "12", *texts} - {"012"}
        ids.add("5")
        ids.add("te_0")
        ids.add("te_1")  # added again after the set was read: still once
        assert "5" in ids and "te_0" in ids and len(ids) == 13
        assert list(decode_ids(encode_ids(["12", "5", "9"])).numbers()) == [5, 9, 12]
        packed = IdSet(["64a687e29ae1f428e7ebe303", "\ud800", "é", "64a687e29ae1f428e7ebe302"])
        assert list(packed.hex_ids()[12]) == ["64a687e29ae1f428e7ebe302", "64a687e29ae1f428e7ebe303"]
        assert sorted(packed.texts()) == ["é", "\ud800"]
        assert set(packed.missing_from(IdSet(["64a687e29ae1f428e7ebe303", "é", "64A687E29AE1F428E7EBE302"]))) == {
            "64a687e29ae1f428e7ebe302", "\ud800"}  # upper-case hex is another id
        assert "\ud800" in packed and "64a687e29ae1f428e7ebe30" not in packed and "" not in packed

    def test_lower_case_hex_ids_are_held_and_stored_at_their_binary_size_and_come_back_as_written(self) -> None:
        clockify = ["64c777dd0000000000000043", "000000000000000000000001", "64c777dd0000000000000042",
                    "000000000000000000000001"]
        ids = IdSet(clockify)

        assert ids == set(clockify) and len(ids) == 3 and not ids.numbers() and not ids.texts()
        assert list(ids.hex_ids()[12]) == sorted(set(clockify))  # leading zeros kept
        assert "000000000000000000000001" in ids and "64c777dd0000000000000042" in ids
        for absent in ("1", "00000000000000000000001", "64C777DD0000000000000042", "000000000000000000000002",
                       "ffffffffffffffffffffffff", "", "0000000000000000000000010"):
            assert absent not in ids, absent
        assert list(ids.missing_from(IdSet(["64c777dd0000000000000043", "1", "64C777DD0000000000000042"]))) == [
            "000000000000000000000001", "64c777dd0000000000000042"]
        assert list(ids.missing_from(IdSet(["00000000000000000001"]))) == sorted(set(clockify))  # another length
        payload = zlib.decompress(base64.b64decode(encode_ids(ids)))
        as_bytes = [bytes.fromhex(entry_id) for entry_id in sorted(set(clockify))]
        assert payload == b"x12:" + bytes(raw[column] for column in range(12) for raw in as_bytes)  # column by column
        decoded = decode_ids(encode_ids(ids))
        assert decoded == ids and list(decoded) == sorted(set(clockify))
        ids.add("64c777dd0000000000000041")  # added after the set was read: merged in order
        assert list(ids) == ["000000000000000000000001", *(f"64c777dd00000000000000{n}" for n in (41, 42, 43))]
        assert decode_ids(encode_ids([])) == set()

    def test_hex_ids_past_a_page_of_memory_grow_shrink_and_compare_exactly(self) -> None:
        # 5,000 ids of 12 bytes span several pages of their memory map: growing, sorting and deduplicating in
        # place (and growing again once read) keep every id exactly once
        ids = [f"64c777dd{n:016d}" for n in range(5_000)]
        held = IdSet(reversed(ids))
        for entry_id in ids[::7]:
            held.add(entry_id)  # the same id twice: once in the set

        assert len(held) == 5_000 and list(held) == ids and ids[4_999] in held and "64c777dd0000000000005000" not in held
        held.add("000000000000000000000001")  # after the set was read: merged in order
        assert list(held)[:2] == ["000000000000000000000001", ids[0]] and len(held) == 5_001
        before = decode_ids(encode_ids(ids))
        assert before == set(ids) and not list(before.missing_from(held))
        now = IdSet(entry_id for entry_id in ids if entry_id not in {ids[0], ids[2_500], ids[4_999]})
        assert list(before.missing_from(now)) == [ids[0], ids[2_500], ids[4_999]]
        assert list(now.missing_from(before)) == []

    def test_mixed_or_odd_ids_round_trip_through_text(self) -> None:
        mixed = ["64c777dd0000000000000042", "64C777DD0000000000000043", "00ab", "0ab", "abc", "12", "ab cd",
                 "000000000000000000000001", "te_1"]  # two hex lengths, upper case, odd lengths, a number, a space
        ids = IdSet(mixed)

        assert sorted(ids.hex_ids()) == [2, 12] and list(ids.numbers()) == [12]
        assert sorted(ids.texts()) == ["0ab", "64C777DD0000000000000043", "ab cd", "abc", "te_1"]
        assert zlib.decompress(base64.b64decode(encode_ids(ids))).startswith(b"j[")
        assert decode_ids(encode_ids(ids)) == set(mixed) and len(decode_ids(encode_ids(ids))) == len(mixed)
        assert set(ids.missing_from(IdSet(["00ab", "0AB", "12", "te_1", "64c777dd0000000000000043"]))) == {
            "64c777dd0000000000000042", "64C777DD0000000000000043", "0ab", "abc", "ab cd", "000000000000000000000001"}

    def test_encoded_ids_are_compact(self) -> None:
        integer_ids = [str(3_000_000 + 3 * n) for n in range(10_000)]
        string_ids = [f"te_{n}" for n in range(10_000)]

        assert decode_ids(encode_ids(integer_ids)) == set(integer_ids)
        assert decode_ids(encode_ids(string_ids)) == set(string_ids)
        assert decode_ids(encode_ids([])) == set()
        assert len(encode_ids(integer_ids)) < len(integer_ids) / 10  # well under a byte per 7-digit id
        assert len(encode_ids(string_ids)) < 4 * len(string_ids)

    def test_encoded_text_ids_come_back_as_every_string_they_were(self) -> None:
        # a newline or comma inside an id, an empty id, non-ASCII, a lone surrogate (JSON's "\\ud800"), numbers
        ids = ["te_1\nte_2", "te_1", "te_2", "", "a,b", "é\u00a0ü", "\ud800", "\U0001f600", "\n", "12", "012"]

        assert decode_ids(encode_ids(ids)) == set(ids) and len(decode_ids(encode_ids(ids))) == len(ids)
        assert decode_ids(encode_ids([""])) == {""} and decode_ids(encode_ids(["\n"])) == {"\n"}

    def test_blobs_written_by_earlier_versions_still_decode(self) -> None:
        # `s`: newline-joined text ids (0.3.1 and before); `d`: gaps between integer ids; `j`: a JSON array
        def blob(text: str) -> str:
            return base64.b64encode(zlib.compress(text.encode(), 9)).decode()

        assert decode_ids(blob("ste_1\nte_2\n64a687e29ae1f428e7ebe303")) == {"te_1", "te_2", "64a687e29ae1f428e7ebe303"}
        assert decode_ids(blob("s")) == set()
        assert decode_ids(blob("d5,4,3")) == {"5", "9", "12"}
        # `j`, as 0.3.2 wrote Clockify's ids (and still writes a mixed set)
        assert decode_ids("eNrLilYywA4MlXSUzEySzc3NU1JQZUyMcEsZK8UCANOUEUk=") == {
            "000000000000000000000001", "64c777dd0000000000000042", "64c777dd0000000000000043"}
        assert decode_ids("eNrLilYywA4MlXSUzEyczc3NXVxQZUyMwVLJQKmUFDQpI6BUSWq8oVIsAD7kEsI=") == {
            "000000000000000000000001", "64c777dd0000000000000042", "64C777DD0000000000000043", "te_1"}


@freezegun.freeze_time(_NOW)
class GenericDeletionsTest(TestCase):
    @HttpMocker()
    def test_given_ids_seen_before_when_gone_now_then_tombstones_with_string_ids(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(
            incremental={"date_from_param": "date_from", "date_to_param": "date_to", "work_date_field": "work_day"}).build()
        window = (GenericRequestBuilder.entries().with_param("date_from", _FIRST).with_param("date_to", _LAST).build())
        http_mocker.get(window, generic_response().with_record(
            generic_entry("te_1", "2026-10-05T10:00:00Z").with_field(FieldPath("work_day"), "2026-10-04")).build())
        http_mocker.get(GenericRequestBuilder.entries().with_updated_since("2026-11-24T07:55:00Z").build(),
                        generic_response().build())

        output = read_stream(config, _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-04": ["te_1", "te_2"]}))

        assert record_data(output) == [{"id": "te_2", "work_date": "2026-10-04", "deleted_at": "2026-11-25T08:00:00Z"}]

    @HttpMocker()
    def test_given_text_ids_with_newlines_empty_and_non_ascii_when_unchanged_then_no_tombstone(
            self, http_mocker: HttpMocker) -> None:
        # joined by newlines, "te_1\nte_2" came back as "te_1" and "te_2" (both reported deleted) and "" was lost
        ids = ["te_1\nte_2", "", "é-ü", "\ud800"]
        window = GenericRequestBuilder.entries().with_work_dates(_FIRST, _LAST).build()
        page = generic_response()
        for entry_id in [*ids, "te_3"]:
            page.with_record(generic_entry(entry_id, "2026-10-05T10:00:00Z"))
        http_mocker.get(window, page.build())
        http_mocker.get(GenericRequestBuilder.entries().with_updated_since("2026-11-24T07:55:00Z").build(),
                        generic_response().build())

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-04": [*ids, "", "te_4"]}))

        assert record_data(output) == [{"id": "te_4", "work_date": "2026-10-04", "deleted_at": "2026-11-25T08:00:00Z"}]
        assert decode_ids(stream_state(output)["seen_ids"]["2026-10-04"]) == {*ids, "te_3"}

    @HttpMocker()
    def test_given_window_days_config_when_read_then_window_follows_it(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_deletion_window_days(7).build()
        http_mocker.get(GenericRequestBuilder.entries().with_work_dates("2026-11-18", _LAST).build(), generic_response().build())

        output = read_stream(config, _STREAM, SyncMode.incremental)

        assert stream_state(output)["window_first_date"] == "2026-11-18"

    @HttpMocker()
    def test_given_rows_moved_during_the_window_reread_when_read_then_no_tombstone_and_ids_kept(self, http_mocker: HttpMocker) -> None:
        # te_1 … te_3 fill page 1; before page 2, te_2 is edited (moves to the end) and te_4 slides onto the
        # page border: the overlap row is te_4, not te_3, so te_4 … could have been paged over, not deleted.
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 3}).build()
        window = GenericRequestBuilder.entries().with_limit(3).with_work_dates(_FIRST, _LAST)
        page_1 = generic_response(0, 3)
        for entry_id in ("te_1", "te_2", "te_3"):
            page_1.with_record(generic_entry(entry_id, "2026-10-05T10:00:00Z"))
        http_mocker.get(window.build(), page_1.build())
        page_2 = generic_response(2, 3).with_record(generic_entry("te_5", "2026-10-06T10:00:00Z"))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(2).with_work_dates(_FIRST, _LAST).build(),
                        page_2.build())

        output = read_stream(config, _STREAM, SyncMode.incremental,
                             state=_seen_state({"2026-10-04": ["te_1", "te_2", "te_3", "te_4", "te_5"]}))

        assert record_data(output) == []  # te_4 is not reported: it may only have been paged over
        kept = stream_state(output)
        assert decode_ids(kept["seen_ids"]["2026-10-04"]) == {"te_1", "te_2", "te_3", "te_4", "te_5"}
        assert kept["read_started_at"] == "2026-11-24T08:00:00Z"  # the next check still covers this sync
        assert output.is_in_logs("no deletes are reported this sync")
