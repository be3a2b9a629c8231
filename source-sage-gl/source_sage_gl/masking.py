"""Every form a secret can take in output, registered with the CDK's secret masking.

The CDK masks the exact values of the config fields marked `airbyte_secret`. A secret also travels
encoded: XML-escaped in a request body (`Summer&amp;&lt;2026`, `&quot;`, `&#252;`), URL-encoded, in a
URL's user-info, as the repr of a str or of UTF-8 bytes inside an exception text, and JSON-escaped once a
message is serialized (`\\"`, `\\u00fc`). Each of those forms is registered too, so whatever prints a
secret prints `****`.
"""

from __future__ import annotations

import json
from typing import Iterable, Optional
from urllib.parse import quote, quote_plus, unquote, urlsplit
from xml.sax.saxutils import escape

from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets

_MASK = "****"
# How XML writers spell quotes (element text leaves them as they are) and characters beyond ASCII.
_QUOTE_STYLES = ({}, {'"': "&quot;", "'": "&apos;"}, {'"': "&#34;", "'": "&#39;"}, {'"': "&quot;", "'": "&#x27;"})
_CHARACTER_REFERENCES = ("&#{:d};", "&#x{:x};", "&#x{:X};")


def encoded_forms(secret: str) -> set[str]:
    """The secret as it may appear in any output: raw, XML-escaped, URL-encoded, in a repr, JSON-escaped."""
    bases = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret, safe="")}
    for quotes in _QUOTE_STYLES:
        escaped = escape(secret, quotes)
        bases.add(escaped)
        bases.update(_with_character_references(escaped, reference) for reference in _CHARACTER_REFERENCES)
    printed = set()
    for form in bases:
        printed.update((form, repr(form)[1:-1], repr(form.encode("utf-8"))[2:-1]))
    forms = set()
    for form in printed:
        forms.update((form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]))
    return {form for form in forms if form}


def register_secrets(secrets: Iterable[Optional[str]]) -> None:
    """Mask each secret in every encoded form, longest first; forms masked already are not added twice.
    A blank "secret" (a config mistake) is not masked: it would mask every space of every message."""
    forms = {form for secret in secrets if isinstance(secret, str) and secret.strip()
             for form in encoded_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        if filter_secrets(form) != _MASK:
            add_to_secrets(form)


def url_credentials(url: Optional[str]) -> list[str]:
    """The password of a `user:password@host` URL, as written and decoded, and the whole user-info."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return []
    if not parts.password:
        return []
    userinfo = parts.netloc.rpartition("@")[0]
    return [parts.password, unquote(parts.password), userinfo, unquote(userinfo)]


def _with_character_references(text: str, reference: str) -> str:
    return "".join(character if ord(character) < 128 else reference.format(ord(character)) for character in text)
