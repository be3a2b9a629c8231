"""Intacct's error envelopes as exceptions: where the failure sits decides the envelope.

- `GatewayFailure`: the gateway rejects the HTTP request (GW-0011 → 400, GW-0010 → 429); the body is
  only `<control><status>failure</status></control>` and the error.
- `ControlFailure`: the request is read but refused as a whole (unparsable XML, wrong sender
  credentials); `<errormessage>` is a child of `<response>`.
- `AuthenticationFailure`: the sign-in or session is refused; `<errormessage>` is a sibling of
  `<authentication>` under `<operation>`, and no function runs.
- `FunctionFailure`: one function fails; its `<result>` has `<status>failure</status>` and one or more
  `<error>` elements, the other functions of the request still run.

Texts marked "observed" come from the reference notes (shared/reference/sage-intacct-xml-api.md §6) or
public recordings; the others are the emulator's own wording where no public sample was found.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetail:
    errorno: str
    description2: str
    description: str = ""
    correction: str = ""


class IntacctFailure(Exception):
    def __init__(self, *errors: ErrorDetail):
        super().__init__("; ".join(f"{e.errorno}: {e.description2}" for e in errors))
        self.errors = errors


class ControlFailure(IntacctFailure):
    pass


class AuthenticationFailure(IntacctFailure):
    pass


class FunctionFailure(IntacctFailure):
    pass


class GatewayFailure(Exception):
    def __init__(self, status: int, errorno: str, description: str):
        super().__init__(f"{errorno}: {description}")
        self.status, self.errorno, self.description = status, errorno, description


def support_id() -> str:
    return secrets.token_urlsafe(24)


def request_id() -> str:
    return f"{secrets.token_hex(4).upper()}:{secrets.token_hex(2).upper()}_{secrets.token_hex(4).upper()}.59"


def invalid_request() -> GatewayFailure:
    """Observed (developer.intacct.com/web-services/error-handling): GW-0011 with HTTP 400."""
    return GatewayFailure(400, "GW-0011", f"Invalid Request [Request ID: {request_id()}]")


def rate_limited() -> GatewayFailure:
    """GW-0010 with HTTP 429 is documented; the description text is the emulator's."""
    return GatewayFailure(429, "GW-0010", f"Rate limit exceeded [Request ID: {request_id()}]")


def xml_parse_error(detail: str) -> ControlFailure:
    """Observed: XL03000003, `description2` "XML Parse schema error: … [Support ID: …]"."""
    return ControlFailure(ErrorDetail(
        "XL03000003", f"XML Parse schema error: {detail}. [Support ID: {support_id()}]"))


def bad_sender() -> ControlFailure:
    """Observed (dmconsultant.co XL03000006 article; PsIntacct tests): control-level XL03000006."""
    return ControlFailure(ErrorDetail(
        "XL03000006", f"Incorrect Intacct XML Partner ID or password. [Support ID: {support_id()}]"))


def company_expired() -> ControlFailure:
    """Reference §6 (intacct-sdk-php fixture): control-level PL04000055 with an empty `description`."""
    return ControlFailure(ErrorDetail("PL04000055", "This company is a demo company and has expired."))


def transaction_rolled_back() -> FunctionFailure:
    """Reference §6: XL03000009 on the `aborted` results of a transaction in which a function failed."""
    return FunctionFailure(ErrorDetail(
        "XL03000009", "The entire transaction in this operation has been rolled back due to an error."))


def bad_sign_in() -> AuthenticationFailure:
    """Observed (reference §6, intacct-sdk-php fixtures): XL03000006 "Sign-in information is incorrect"."""
    return AuthenticationFailure(ErrorDetail("XL03000006", "Sign-in information is incorrect"))


def invalid_session() -> AuthenticationFailure:
    """An unknown or expired `<sessionid>`.

    No public recording of this envelope was found. Intacct reports session problems with the same
    authentication-level XL03000006 as a bad sign-in (dmconsultant.co: "the connection session expires
    or becomes invalid, which leads to this error"); the `description2` text is the emulator's. A client
    should treat any authentication failure of a session request as "sign in again, once".
    """
    return AuthenticationFailure(ErrorDetail(
        "XL03000006", "Invalid session", correction="Sign in again to get a new session."))


def unknown_entity(entity_id: str) -> AuthenticationFailure:
    """A `<locationid>` that is not an entity of the company (wording is the emulator's)."""
    return AuthenticationFailure(ErrorDetail(
        "XL03000006", f"Invalid entity ID '{entity_id}': the user cannot sign in to this entity"))


def object_not_found(object_name: str) -> FunctionFailure:
    """Observed (intacct-sdk-php ResultTest): "Query Failed" / "Object definition X not found"."""
    return FunctionFailure(ErrorDetail("Query Failed", f"Object definition {object_name} not found"))


def query_failed(*messages: str) -> FunctionFailure:
    """A malformed query (unknown field, bad value, bad pagesize): one `<error>` per problem."""
    return FunctionFailure(*(ErrorDetail("Query Failed", message) for message in messages))


def permission_denied(object_name: str) -> FunctionFailure:
    """Observed code PL04000005; text as reported by users of the XML API."""
    return FunctionFailure(ErrorDetail(
        "PL04000005",
        f"You do not have permission for API operation READ_BY_QUERY on objects of type "
        f"{object_name.lower()}",
        correction="Ask your administrator to grant the permission to the Web Services user."))


def unknown_function(name: str) -> FunctionFailure:
    return FunctionFailure(ErrorDetail(
        "XL03000003", f"XML Parse schema error: unsupported function <{name}> in this sandbox"))
