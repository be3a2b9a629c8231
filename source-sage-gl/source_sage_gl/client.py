"""The wire client of the Sage Intacct XML Web Services gateway.

One `IntacctClient` per connector run: it signs in once with `getAPISession`, then sends every call to
the endpoint that login returned, authenticated by the session id. Requests go through the CDK's
`HttpClient`, so retries, rate limiting and error classification are the CDK's, driven by
`IntacctErrorHandler` and `IntacctBackoffStrategy`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any, Callable, Dict, List, Optional, Sequence

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http import HttpClient
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from lxml import etree

from source_sage_gl import xml_envelope as xml
from source_sage_gl.backoff import IntacctBackoffStrategy
from source_sage_gl.config import IntacctConfig, validate_gateway_url
from source_sage_gl.error_handling import IntacctErrorHandler
from source_sage_gl.values import IntacctClock, IntacctValueError, RecordParser, zone_from_gmtoffset

CONTENT_TYPE = {"Content-Type": "application/xml"}
RENEW_BEFORE_TIMEOUT = timedelta(minutes=2)
REQUEST_TIMEOUT_SECONDS = (30, 16 * 60)  # connect, read: Intacct ends synchronous calls after 15 minutes


@dataclass(frozen=True)
class ApiSession:
    session_id: str
    endpoint: str
    expires_at: Optional[datetime]

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at - RENEW_BEFORE_TIMEOUT


class IntacctSessionAuth(requests.auth.AuthBase):
    """The API session as a requests authenticator.

    It stamps the current session id and endpoint on each request (again on every retry), signs in
    again before `sessiontimeout`, and exposes `refresh_and_set_access_token`, which the CDK's
    `HttpClient` calls when the error handler reports a rejected session (REFRESH_TOKEN_THEN_RETRY):
    the same page is then sent once more with the new session.
    """

    def __init__(self, sign_in: Callable[[], ApiSession], clock: Callable[[], datetime]):
        self._sign_in = sign_in
        self._now = clock
        self._session: Optional[ApiSession] = None

    @property
    def session(self) -> ApiSession:
        if self._session is None or self._session.expired(self._now()):
            self._session = self._sign_in()
        return self._session

    def refresh_and_set_access_token(self) -> None:
        self._session = self._sign_in()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        session = self.session
        request.url = session.endpoint
        request.body = xml.stamp_session(request.body, session.session_id)
        request.prepare_content_length(request.body)
        return request


@dataclass(frozen=True)
class QueryPage:
    records: List[Dict[str, Any]]
    offset: int
    count: int
    total_count: int
    num_remaining: int


@dataclass(frozen=True)
class FieldDefinition:
    """One field as `lookup` describes it."""

    name: str
    label: str
    data_type: str
    is_custom: bool


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class IntacctClient:
    def __init__(self, config: IntacctConfig, logger: logging.Logger,
                 backoff_strategy: Optional[IntacctBackoffStrategy] = None,
                 now: Callable[[], datetime] = _utcnow, retry_unreachable: bool = True):
        """`retry_unreachable=False` (check) fails at once when the gateway cannot be reached at all."""
        self._config = config
        self._logger = logger
        self._error_handler = IntacctErrorHandler(logger, retry_unreachable=retry_unreachable)
        backoff_strategy = backoff_strategy or IntacctBackoffStrategy()
        self._login_http = HttpClient(name="sage_gl_login", logger=logger, error_handler=self._error_handler,
                                      backoff_strategy=backoff_strategy, request_timeout=REQUEST_TIMEOUT_SECONDS)
        self._backoff_strategy = backoff_strategy
        self.auth = IntacctSessionAuth(self._open_session, now)
        self._http_clients: Dict[str, HttpClient] = {}
        self._lookups: Dict[str, List[FieldDefinition]] = {}

    # ------------------------------------------------------------ session

    def _open_session(self) -> ApiSession:
        config = self._config
        body = xml.login_request(config.sender_id, config.sender_password, config.user_id, config.company_id,
                                 config.user_password, config.entity_id)
        _, response = self._login_http.send_request("POST", config.endpoint_url, request_kwargs={},
                                                    headers=CONTENT_TYPE, data=body)
        document = self._error_handler.document(response)
        api = document.results[0].data.find("api") if document.results and document.results[0].data is not None else None
        session_id = api.findtext("sessionid") if api is not None else None
        if not session_id:
            raise _system_error("Sage Intacct's getAPISession answer carries no session id.")
        add_to_secrets(session_id.strip())  # a bearer credential: masked in every log line the CDK writes
        endpoint = (api.findtext("endpoint") or "").strip() or config.endpoint_url
        validate_gateway_url(endpoint, what="The session endpoint returned by getAPISession")
        expires_at = _session_timeout(document.authentication)
        self._logger.info(f"Opened a Sage Intacct API session (entity: {config.entity_id or 'top level'}, "
                          f"valid until {expires_at.isoformat() if expires_at else 'unknown'}).")
        return ApiSession(session_id.strip(), endpoint, expires_at)

    def _http(self, stream_name: str) -> HttpClient:
        """One CDK client per stream, so retries and rate-limit statuses are reported for that stream."""
        if stream_name not in self._http_clients:
            self._http_clients[stream_name] = HttpClient(
                name=stream_name, logger=self._logger, error_handler=self._error_handler,
                backoff_strategy=self._backoff_strategy, authenticator=self.auth,
                request_timeout=REQUEST_TIMEOUT_SECONDS)
        return self._http_clients[stream_name]

    def _call(self, function: etree._Element, stream_name: str = "sage_gl") -> xml.FunctionResult:
        body = xml.session_request(self._config.sender_id, self._config.sender_password, function)
        _, response = self._http(stream_name).send_request("POST", self.auth.session.endpoint, request_kwargs={},
                                              headers=CONTENT_TYPE, data=body)
        document = self._error_handler.document(response)
        if not document.results:
            raise _system_error(f"Sage Intacct answered {function.tag} without a result.")
        return document.results[0]

    # ------------------------------------------------------------ time zone

    @cached_property
    def clock(self) -> IntacctClock:
        """The user's time zone: the `timezone` override, else `readUserFormatting`'s gmtoffset."""
        if self._config.timezone is not None:
            return IntacctClock(self._config.timezone)
        result = self._call(xml.read_user_formatting_function(self._config.user_id))
        offset = result.data.findtext(".//gmtoffset") if result.data is not None else None
        if offset is None:
            raise _system_error("Sage Intacct's readUserFormatting answer has no gmtoffset; set the timezone option.")
        try:
            zone = zone_from_gmtoffset(offset)
        except IntacctValueError as error:
            raise _system_error(f"Sage Intacct's readUserFormatting answer: {error}; set the timezone option.") from None
        self._logger.info(f"Sage Intacct user time zone: UTC{offset.strip()} (from readUserFormatting).")
        return IntacctClock(zone)

    # ------------------------------------------------------------ functions

    def query(self, object_name: str, fields: Sequence[str], condition: Optional[etree._Element],
              order_by: Sequence[str], offset: int, parser: RecordParser,
              page_size: Optional[int] = None, stream_name: str = "sage_gl") -> QueryPage:
        function = xml.query_function(object_name, fields, condition, order_by,
                                      page_size or self._config.page_size, offset)
        result = self._call(function, stream_name)
        data = result.data
        if data is None:
            raise _system_error(f"Sage Intacct answered query {object_name} without <data>.")
        elements = [element for element in data if isinstance(element.tag, str)]
        try:
            records = [parser.parse(element, position) for position, element in enumerate(elements, start=1)]
        except IntacctValueError as error:
            raise _system_error(f"Stream {stream_name}: Sage Intacct returned a value that cannot be read exactly "
                                f"(query {object_name} at offset {offset}): {error}.") from None
        count = _int_attribute(data, "count", len(records))
        return QueryPage(
            records=records,
            offset=_int_attribute(data, "offset", offset),
            count=count,
            total_count=_int_attribute(data, "totalcount", offset + count),
            num_remaining=_int_attribute(data, "numremaining", 0),
        )

    def lookup(self, object_name: str) -> List[FieldDefinition]:
        """The object's fields as `lookup` describes them (once per object per run)."""
        if object_name not in self._lookups:
            result = self._call(xml.lookup_function(object_name))
            fields = [] if result.data is None else [
                FieldDefinition(
                    name=(field.findtext("ID") or "").strip(),
                    label=(field.findtext("LABEL") or "").strip(),
                    data_type=(field.findtext("DATATYPE") or "").strip().upper(),
                    is_custom=(field.findtext("ISCUSTOM") or "").strip().lower() == "true",
                )
                for field in result.data.iterfind(".//Fields/Field")
            ]
            self._lookups[object_name] = [field for field in fields if field.name]
        return self._lookups[object_name]

    def check(self) -> None:
        """Sign in and read one GL account: proves credentials, sender authorization and read access."""
        self.query("GLACCOUNT", ["RECORDNO"], None, ["RECORDNO"], 0,
                   RecordParser({"RECORDNO": {"type": "integer"}}, IntacctClock(timezone.utc)), page_size=1)


def _session_timeout(authentication: Optional[etree._Element]) -> Optional[datetime]:
    text = (authentication.findtext("sessiontimeout") or "").strip() if authentication is not None else ""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _int_attribute(element: etree._Element, name: str, default: int) -> int:
    value = element.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        raise _system_error(f"Sage Intacct's <data {name}='{value}'> is not a number.") from None


def _system_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)
