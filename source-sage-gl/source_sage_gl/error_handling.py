"""How the connector reacts to every answer of the XML gateway (reference §6–§7).

Intacct reports most failures inside HTTP 200 bodies, so the handler reads the XML, not only the status
code. It keeps the document it parsed so the client does not parse a page twice. Being the first code to
read a response, it also masks a new session id before the CDK logs the body at DEBUG.

Redirects are never followed (the client sends with `allow_redirects=False`): a 3xx fails as a config
error naming both URLs, so a POST is never sent again and no credential leaves `endpoint_url`'s origin.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator, Optional, Tuple, Union
from urllib.parse import urljoin

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler, ErrorResolution, ResponseAction

from source_sage_gl.masking import register_secrets
from source_sage_gl.unreachable import UnreachableBudget, unreachable_cause
from source_sage_gl.xml_envelope import (
    GatewayResponse,
    IntacctError,
    RecordConverter,
    UnreadableResponse,
    parse_response,
    request_summary,
    session_id_of,
)

PERMISSION_DENIED = "PL04000005"
RATE_LIMITED = "GW-0010"
REQUEST_BUGS = {"GW-0011", "XL03000003"}
TRY_AGAIN_LATER = "try again later"
CDN_TIMEOUT = 524

_SUCCESS = ErrorResolution(response_action=ResponseAction.SUCCESS)


class IntacctErrorHandler(ErrorHandler):
    def __init__(self, logger: logging.Logger, max_retries: int = 5, max_time_seconds: int = 900,
                 retry_unreachable: bool = True):
        self._logger = logger
        self._max_retries = max_retries
        self._max_time = max_time_seconds
        self._unreachable = UnreachableBudget(retry=retry_unreachable)  # shared by every stream of the client
        self._last: Optional[Tuple[requests.Response, GatewayResponse]] = None
        self._convert: Optional[RecordConverter] = None  # converts the records of the answers now awaited
        # The session Intacct last rejected, until a call with a session succeeds again. When the session
        # opened to replace it is rejected too, that fails here with Intacct's text, before the CDK's
        # generic "Refreshed OAuth access token is rejected by the API".
        self._rejected_session_id: Optional[str] = None

    @property
    def max_retries(self) -> Optional[int]:
        return self._max_retries

    @property
    def max_time(self) -> Optional[int]:
        return self._max_time

    @contextmanager
    def converting_records(self, convert: Optional[RecordConverter]) -> Iterator[None]:
        """While inside, a query's records are converted during the one parse that also reads its status
        (`xml_envelope.parse_response`). A sign-in sent meanwhile (a session renewed before a retry) parses its
        own answer inside `converting_records(None)`."""
        previous, self._convert = self._convert, convert
        try:
            yield
        finally:
            self._convert = previous

    def document(self, response: requests.Response) -> GatewayResponse:
        """The parsed body of a response this handler accepted (parsed again only if it was not the last one).
        Handed over once: the handler keeps no page's body or tree alive while the next page is read."""
        last, self._last = self._last, None
        if last is not None and last[0] is response:
            return last[1]
        return parse_response(response.content, self._convert)

    def interpret_response(self, response: Optional[Union[requests.Response, Exception]]) -> ErrorResolution:
        self._last = None
        if isinstance(response, Exception):
            return self._interpret_exception(response)
        self._unreachable.reached()
        if response is None:
            return _retry("Sage Intacct gave no response.")
        what = request_summary(response.request.body if response.request is not None else None)
        if 300 <= response.status_code < 400:
            return _fail(FailureType.config_error, _redirect_refused(response, what))
        if response.status_code == 429:
            return ErrorResolution(ResponseAction.RATE_LIMITED, FailureType.transient_error,
                                   f"Sage Intacct rate limit reached on {what} ({self._gateway_text(response) or 'HTTP 429'}).")
        if response.status_code == CDN_TIMEOUT:
            return _retry(f"Sage Intacct's CDN timed out on {what} (HTTP 524); waiting before retrying the read-only query.")
        if response.status_code >= 500:
            return _retry(f"Sage Intacct answered HTTP {response.status_code} on {what}.")
        if response.status_code in (401, 403):
            return _fail(FailureType.config_error, f"Sage Intacct refused {what} with HTTP {response.status_code}: "
                                                   f"{self._gateway_text(response) or response.reason}.")
        if response.status_code >= 400:
            return _fail(FailureType.system_error, f"Sage Intacct rejected {what} with HTTP {response.status_code}: "
                                                   f"{self._gateway_text(response) or response.reason}.")
        if _looks_like_html(response):
            return _retry(f"Sage Intacct (or its CDN) answered {what} with an HTML page instead of XML.")
        try:
            document = parse_response(response.content, self._convert)
        except UnreadableResponse as error:
            return _retry(f"Sage Intacct returned an unreadable response to {what}: {error}.", FailureType.system_error)
        resolution = self._interpret_document(document, response, what)
        if resolution is _SUCCESS:
            self._last = (response, document)
            register_secrets((result.data.findtext("api/sessionid") or "").strip()
                             for result in document.results if result.data is not None)
        return resolution

    def _interpret_document(self, document: GatewayResponse, response: requests.Response, what: str) -> ErrorResolution:
        if document.control_status != "success":
            return self._interpret_errors(document.errors, FailureType.config_error, what)
        if document.authentication_status and document.authentication_status != "success":
            message = _describe(document.authentication_errors)
            session_id = session_id_of(response.request.body if response.request is not None else None)
            if session_id is not None:
                if self._rejected_session_id not in (None, session_id):
                    return _fail(FailureType.config_error,
                                 f"Sage Intacct rejected the API session it had just opened, on {what}: {message}. "
                                 f"Signing in works but the new session is refused; check that the Web Services "
                                 f"user may use Web Services and that the sender ID is authorized for the company "
                                 f"(Company > Setup > Company > Security > Web Services authorizations).")
                self._rejected_session_id = session_id
                self._logger.info(f"Sage Intacct rejected the API session on {what} ({message}); signing in again.")
                return ErrorResolution(ResponseAction.REFRESH_TOKEN_THEN_RETRY, FailureType.transient_error,
                                       f"Sage Intacct rejected the API session: {message}")
            return _fail(FailureType.config_error, f"Sage Intacct sign-in failed: {message}")
        for result in document.results:
            if not result.ok:
                return self._interpret_errors(result.errors, FailureType.system_error, what)
        if session_id_of(response.request.body if response.request is not None else None) is not None:
            self._rejected_session_id = None
        return _SUCCESS

    @staticmethod
    def _interpret_errors(errors: list, default: FailureType, what: str) -> ErrorResolution:
        numbers = {error.errorno for error in errors}
        message = _describe(errors)
        if RATE_LIMITED in numbers:
            return ErrorResolution(ResponseAction.RATE_LIMITED, FailureType.transient_error,
                                   f"Sage Intacct rate limit reached on {what}: {message}")
        if any(TRY_AGAIN_LATER in error.correction.lower() for error in errors):
            return _retry(f"Sage Intacct asked to try {what} again later: {message}")
        if PERMISSION_DENIED in numbers:
            return _fail(FailureType.config_error,
                         f"Sage Intacct denied {what}: {message}. Grant the Web Services user read permission "
                         f"on this object, or deselect the stream.")
        if numbers & REQUEST_BUGS:
            return _fail(FailureType.system_error, f"Sage Intacct refused {what} as invalid: {message}")
        return _fail(default, f"Sage Intacct failed {what}: {message}")

    @staticmethod
    def _gateway_text(response: requests.Response) -> str:
        try:
            return _describe(parse_response(response.content).errors)
        except UnreadableResponse:
            return ""

    def _interpret_exception(self, error: Exception) -> ErrorResolution:
        if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                              requests.exceptions.InvalidSchema)):
            return _fail(FailureType.config_error, f"The Sage Intacct gateway URL is not usable: {error}")
        cause = unreachable_cause(error)
        if cause is not None:
            url = error.request.url if getattr(error, "request", None) is not None else "the endpoint_url"
            final = self._unreachable.failed(cause)
            if final is None:
                return _retry(f"Could not reach the Sage Intacct gateway: {cause} ({self._unreachable.attempt_label()})")
            failure_type = FailureType.transient_error if self._unreachable.retry else FailureType.config_error
            return _fail(failure_type, f"Could not reach the Sage Intacct gateway at {url}: {final}. "
                                       f"Check endpoint_url and that this network can reach it.")
        if isinstance(error, requests.RequestException):
            return _retry(f"No complete answer from Sage Intacct ({error.__class__.__name__}): {error}")
        return _fail(FailureType.system_error, f"Unexpected error talking to Sage Intacct: {error}")


def _redirect_refused(response: requests.Response, what: str) -> str:
    location = response.headers.get("Location")
    target = f"a redirect to {urljoin(response.url, location)}" if location else "a redirect without a Location"
    return (f"Sage Intacct's gateway at {response.url} answered {what} with HTTP {response.status_code}, {target}. "
            f"The connector follows no redirect: the request is not sent again and no credential goes to another "
            f"scheme, host or port. If the gateway has moved, set endpoint_url to its new URL.")


def _describe(errors: list) -> str:
    return "; ".join(error.text for error in errors if isinstance(error, IntacctError)) or "no error details given"


def _retry(message: str, failure_type: FailureType = FailureType.transient_error) -> ErrorResolution:
    return ErrorResolution(ResponseAction.RETRY, failure_type, message)


def _fail(failure_type: FailureType, message: str) -> ErrorResolution:
    return ErrorResolution(ResponseAction.FAIL, failure_type, message)


def _looks_like_html(response: requests.Response) -> bool:
    if "html" in response.headers.get("Content-Type", "").lower():
        return True
    head = response.content[:200].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")
