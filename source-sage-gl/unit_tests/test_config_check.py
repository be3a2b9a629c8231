"""`config_check` against the real spec: every problem named with its field and fix, secrets never quoted,
a typo answered with the closest valid key."""

from source_sage_gl import SourceSageGl
from source_sage_gl.config_check import config_problems, unknown_key_problems, unknown_stream_problems

SPEC = SourceSageGl().spec(None).connectionSpecification
CONFIG = {"company_id": "ACME", "sender_id": "s", "sender_password": "pw-123", "user_id": "u",
          "user_password": "pw-456", "start_date": "2026-01-01T00:00:00Z"}


def test_every_problem_names_its_field_and_the_fix():
    config = {**CONFIG, "start_date": "01/02/2020", "page_size": 0, "lookback_minutes": "120"}
    del config["company_id"]
    assert config_problems(config, SPEC) == [
        "company_id is missing: The Sage Intacct company ID you sign in with (e.g. `ACME-FS`).",
        "start_date must be written like 2026-01-01T00:00:00Z (YYYY-MM-DDTHH:mm:ssZ); got '01/02/2020'.",
        "page_size must be between 1 and 2000; got 0.",
        "lookback_minutes must be a whole number; got a string.",
    ]


def test_a_secret_value_is_never_quoted():
    problems = config_problems({**CONFIG, "user_password": 123456789}, SPEC)
    assert problems == ["user_password must be a string; got an integer."]


def test_typos_get_the_closest_key_or_stream():
    assert unknown_key_problems({**CONFIG, "page_sise": 5, "endpoint": "https://x"}, SPEC) == [
        "Unknown key 'page_sise' is ignored: did you mean 'page_size'?",
        "Unknown key 'endpoint' is ignored: did you mean 'endpoint_url'?"]
    assert unknown_stream_problems(["gl_acounts", "gl_accounts"], ["gl_accounts", "gl_journals"]) == [
        "The catalog names the stream 'gl_acounts', which this source does not have: did you mean 'gl_accounts'?"]
