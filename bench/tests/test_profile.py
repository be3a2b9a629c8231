"""`--profile`'s split of a source's CPU, from py-spy's raw output: each sample to one part, *ours* by module."""

from bench.profile import describe, split

RAW = "\n".join([
    "<module> (main.py:6);run (source_time_tracking/run.py:58);_find_and_load (<frozen importlib._bootstrap>:1) 50",
    "read (airbyte_cdk/entrypoint.py:270);typed (source_time_tracking/values.py:201) 40",
    "read (airbyte_cdk/entrypoint.py:270);exact_decimal (source_time_tracking/values.py:49) 20",
    "read (airbyte_cdk/entrypoint.py:270);json_body (source_time_tracking/errors.py:62);raw_decode (json/decoder.py:343) 20",
    "read (airbyte_cdk/entrypoint.py:270);observe (source_time_tracking/cursors.py:172) 10",
    "read (airbyte_cdk/entrypoint.py:270);page (source_time_tracking/progress.py:42) 5",
    "read (airbyte_cdk/entrypoint.py:270);parse_response (source_time_tracking/streams.py:185) 5",
    "read (airbyte_cdk/entrypoint.py:270);dump (airbyte_cdk/models/airbyte_protocol_serializers.py:1) 80",
    "_fetch_next_page (airbyte_cdk/sources/streams/http/http.py:505);recv_into (socket.py:706) 20",
])


def test_each_sample_goes_to_one_part_and_ours_also_to_its_module():
    parts = split(RAW)
    assert {part: parts[part] for part in ("imports", "ours", "CDK", "HTTP")} == \
        {"imports": 50, "ours": 100, "CDK": 80, "HTTP": 20}
    assert {key: count for key, count in parts.items() if key.startswith("ours:")} == {
        "ours:values.py": 60, "ours:errors.py": 20, "ours:cursors.py": 10, "ours:progress.py": 5,
        "ours:streams.py": 5}


def test_ours_is_described_with_its_largest_modules_and_the_rest():
    # 1 s of imports measured; the other 2 s shared by samples: ours 100 of 200, CDK 80, HTTP 20.
    text = describe(split(RAW), cpu_seconds=3.0, start_seconds=1.0)
    assert text == ("imports 1.00 s (33 %), ours 1.00 s (33 %) [values.py 0.60, errors.py 0.20, cursors.py 0.10, "
                    "rest 0.10], CDK 0.80 s (27 %), HTTP 0.20 s (7 %)")
