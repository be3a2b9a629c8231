"""The secret scan finds a secret in every encoding a source could print it in, and nothing once it is masked."""

import base64
import html
import json
from urllib.parse import quote_plus

import pytest

from sandbox import secret_leaks

SECRET = 'Kq7Wx&<"ü-Summer2026!'


@pytest.mark.parametrize("printed", [
    SECRET,
    html.escape(SECRET),  # &amp; &lt; &quot;
    SECRET.replace("&", "&amp;").replace("<", "&lt;").replace("ü", "&#252;"),
    quote_plus(SECRET),
    json.dumps(SECRET),  # \" and \u00fc
    repr(SECRET.encode("utf-8")),  # b'...\xc3\xbc...'
])
def test_a_secret_is_found_in_any_encoding(printed):
    assert secret_leaks(f'{{"message": "request body: {printed}"}}', [SECRET])


def test_a_basic_auth_pair_is_found_as_base64():
    header = "Basic " + base64.b64encode(f"ana:{SECRET}".encode("utf-8")).decode()
    assert secret_leaks(f"headers: {{'Authorization': '{header}'}}", [], basic_auth=[("ana", SECRET)])


def test_a_masked_output_has_no_leak():
    assert secret_leaks('{"message": "<password>****</password>", "auth": "Basic ****"}', [SECRET],
                        basic_auth=[("ana", SECRET)]) == []


def test_a_secret_without_a_distinctive_run_cannot_be_scanned():
    with pytest.raises(ValueError, match="5 or more"):
        secret_leaks("", ["a&b"])
