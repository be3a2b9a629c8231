"""The credential header of each configured auth, as a value that is sent but never printed.

The CDK's `HttpClient` logs `request.headers` at DEBUG (`--debug`); a header value here prints as a
placeholder, so neither a token, an API key nor the base64 of a basic-auth `user:password` reaches the
output. On the wire it is the ordinary string.
"""

from __future__ import annotations

import base64

from airbyte_cdk.sources.streams.http.requests_native_auth.abstract_token import AbstractHeaderAuthenticator

from source_time_tracking.config import ApiKeyHeaderAuth, BasicAuth, BearerAuth


class UnprintedCredential(str):
    """A header value that `str()`/`repr()` (and so every log line of the headers) shows as a placeholder."""

    def __str__(self) -> str:
        return "<credential not shown>"

    def __repr__(self) -> str:
        return "'<credential not shown>'"


class CredentialHeader(AbstractHeaderAuthenticator):
    """Sets one header (`Authorization`, or an API key header) to an `UnprintedCredential`."""

    def __init__(self, header_name: str, value: str) -> None:
        self._header_name = header_name
        self._value = UnprintedCredential(value)

    @property
    def auth_header(self) -> str:
        return self._header_name

    @property
    def token(self) -> str:
        return self._value


def bearer(token: str) -> CredentialHeader:
    return CredentialHeader("Authorization", f"Bearer {token}")


def authenticator(auth: BearerAuth | ApiKeyHeaderAuth | BasicAuth) -> CredentialHeader:
    """The generic API's configured auth: a bearer token, an API key header, or basic auth (UTF-8, as the CDK)."""
    if isinstance(auth, BearerAuth):
        return bearer(auth.token.get_secret_value())
    if isinstance(auth, ApiKeyHeaderAuth):
        return CredentialHeader(auth.header_name, auth.api_key.get_secret_value())
    pair = f"{auth.username}:{auth.password.get_secret_value()}".encode("utf-8")
    return CredentialHeader("Authorization", f"Basic {base64.b64encode(pair).decode('ascii')}")
