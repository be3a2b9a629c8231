"""The wire client of the Sage Intacct XML Web Services gateway.

One `IntacctClient` per connector run: it signs in once with `getAPISession`, then sends every call to
the endpoint that login returned, authenticated by the session id. Requests go through the CDK's
`HttpClient`, so retries, rate limiting and error classification are the CDK's, driven by
`IntacctErrorHandler` and `IntacctBackoffStrategy`; every response is bounded in size and time
(`RESPONSE_LIMITS`, enforced by `bounded_http`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import cached_property
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence, Set, Tuple

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http import HttpClient
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from lxml import etree

from source_sage_gl import xml_envelope as xml
from source_sage_gl.backoff import IntacctBackoffStrategy
from source_sage_gl.bounded_http import MEGABYTE, BoundedResponses, ResponseLimits
from source_sage_gl.config import IntacctConfig, validate_gateway_url
from source_sage_gl.error_handling import IntacctErrorHandler
from source_sage_gl.formats import UnsupportedFormat, UserFormats
from source_sage_gl.values import IntacctClock, IntacctValueError, RecordParser, zone_from_gmtoffset

CONTENT_TYPE = {"Content-Type": "application/xml"}
NO_REDIRECTS = {"allow_redirects": False}  # a 3xx is a config error (error_handling), never followed
RENEW_BEFORE_TIMEOUT = timedelta(minutes=2)
VENDOR = "Sage Intacct"
RESPONSE_LIMITS = ResponseLimits(
    max_body_bytes=64 * MEGABYTE,
    deadline_seconds=18 * 60,
    connect_timeout_seconds=30,
    read_timeout_seconds=16 * 60,
    max_retry_after_seconds=300,
)
"""Why these values: a `query` page of 2,000 GLDETAIL rows with every standard and custom field is about
15 MB of XML, so 64 MB leaves four times that while the parsed page stays well under a gigabyte.
Intacct ends a synchronous call after 15 minutes, so the server may think up to 15 minutes before the
first byte (the read timeout, 16 minutes); the body of the largest page then arrives in seconds, so 18
minutes from sending to the last byte is the deadline. Intacct throttles by concurrency and frees a slot
within seconds, so a `Retry-After` above 5 minutes is not worth sleeping through. Tests lower them with
the environment variables `SOURCE_SAGE_GL_MAX_RESPONSE_BYTES`, `SOURCE_SAGE_GL_REQUEST_DEADLINE_SECONDS`
and `SOURCE_SAGE_GL_MAX_RETRY_AFTER_SECONDS`."""
LIMITS_ENVIRONMENT_PREFIX = "SOURCE_SAGE_GL"


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

    A refused sign-in (wrong password, unauthorized sender, expired company) is remembered and raised
    again without another request: retrying it per stream cannot succeed and could lock the user out.
    """

    def __init__(self, sign_in: Callable[[], ApiSession], clock: Callable[[], datetime]):
        self._sign_in = sign_in
        self._now = clock
        self._session: Optional[ApiSession] = None
        self.refusal: Optional[AirbyteTracedException] = None

    @property
    def session(self) -> ApiSession:
        if self._session is None or self._session.expired(self._now()):
            self._session = self._open()
        return self._session

    def refresh_and_set_access_token(self) -> None:
        self._session = self._open()

    def _open(self) -> ApiSession:
        if self.refusal is not None:
            raise self.refusal
        try:
            return self._sign_in()
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error:
                self.refusal = error
            raise

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
        self._limits = RESPONSE_LIMITS.with_environment(LIMITS_ENVIRONMENT_PREFIX)
        backoff_strategy = backoff_strategy or IntacctBackoffStrategy(self._limits)
        self._login_http = HttpClient(name="sage_gl_login", logger=logger, error_handler=self._error_handler,
                                      backoff_strategy=backoff_strategy, request_timeout=self._limits.timeout,
                                      authenticator=BoundedResponses(self._limits, VENDOR))
        self._backoff_strategy = backoff_strategy
        self.auth = IntacctSessionAuth(self._open_session, now)
        self._http_clients: Dict[str, HttpClient] = {}
        self._lookups: Dict[str, List[FieldDefinition]] = {}
        self._refused: Dict[str, Set[str]] = {}  # object → fields Intacct refused to select in this run

    # ------------------------------------------------------------ session

    def _open_session(self) -> ApiSession:
        config = self._config
        body = xml.login_request(config.sender_id, config.sender_password, config.user_id, config.company_id,
                                 config.user_password, config.entity_id)
        with self._error_handler.converting_records(None):  # it may be sent while a query's answer is awaited
            _, response = self._login_http.send_request("POST", config.endpoint_url, request_kwargs=NO_REDIRECTS,
                                                        headers=CONTENT_TYPE, data=body)
            document = self._error_handler.document(response)
        api = document.results[0].data.find("api") if document.results and document.results[0].data is not None else None
        session_id = api.findtext("sessionid") if api is not None else None
        if not session_id:
            raise _system_error("Sage Intacct's getAPISession answer carries no session id.")
        endpoint = (api.findtext("endpoint") or "").strip() or config.endpoint_url
        validate_gateway_url(endpoint, what="The session endpoint returned by getAPISession")
        expires_at = _session_timeout(document.authentication)
        self._logger.info(f"Opened a Sage Intacct API session (entity: {config.entity_id or 'top level'}, "
                          f"valid until {expires_at.isoformat() if expires_at else 'unknown'}).")
        return ApiSession(session_id.strip(), endpoint, expires_at)

    def sign_in(self) -> None:
        """Open the API session now (once per run); a refusal raises its config_error here."""
        self.auth.session

    def _http(self, stream_name: str) -> HttpClient:
        """One CDK client per stream, so retries and rate-limit statuses are reported for that stream."""
        if stream_name not in self._http_clients:
            self._http_clients[stream_name] = HttpClient(
                name=stream_name, logger=self._logger, error_handler=self._error_handler,
                backoff_strategy=self._backoff_strategy,
                authenticator=BoundedResponses(self._limits, VENDOR, self.auth), request_timeout=self._limits.timeout)
        return self._http_clients[stream_name]

    def _call(self, function: etree._Element, stream_name: str = "sage_gl",
              convert: Optional[xml.RecordConverter] = None) -> xml.FunctionResult:
        """One function's result; with `convert`, its records are converted while the answer is parsed."""
        body = xml.session_request(self._config.sender_id, self._config.sender_password, function)
        with self._error_handler.converting_records(convert):
            _, response = self._http(stream_name).send_request(
                "POST", self.auth.session.endpoint, request_kwargs=NO_REDIRECTS, headers=CONTENT_TYPE, data=body)
            document = self._error_handler.document(response)
        if not document.results:
            raise _system_error(f"Sage Intacct answered {function.tag} without a result.")
        return document.results[0]

    # ------------------------------------------------------------ the user's formats and time zone

    @cached_property
    def clock(self) -> IntacctClock:
        """The user's date format, clock and time zone from `readUserFormatting`, read once per run.

        The formats always come from Intacct (every value is written in them); the `timezone` option only
        replaces the fixed `gmtoffset`. A format this connector cannot read is a config error, raised
        before any record is read.
        """
        result = self._call(xml.read_user_formatting_function(self._config.user_id))
        answer = {name: (result.data.findtext(f".//userformatting/{name}") if result.data is not None else None)
                  for name in ("dateformat", "clock", "gmtoffset")}
        missing = [name for name in ("dateformat", "clock") if not (answer[name] or "").strip()]
        if missing:
            raise _system_error(f"Sage Intacct's readUserFormatting answer has no {' or '.join(missing)}.")
        try:  # a leading space is the separator of the space formats (` dmY`)
            formats = UserFormats(answer["dateformat"].strip("\r\n\t").rstrip(), answer["clock"].strip())
        except UnsupportedFormat as error:
            message = (f"The Sage Intacct Web Services user's formats cannot be read: {error}. Change the user's "
                       f"date or time format in Intacct (My preferences, Regional formatting) and try again.")
            raise AirbyteTracedException(message=message, internal_message=message,
                                         failure_type=FailureType.config_error) from None
        zone, zone_source = self._user_zone(answer["gmtoffset"])
        self._logger.info(f"Sage Intacct user formats: {formats.description} (dateformat {formats.dateformat}, "
                          f"clock {formats.clock}), time zone {zone_source}.")
        return IntacctClock(zone, formats)

    def _user_zone(self, gmtoffset: Optional[str]) -> Tuple[tzinfo, str]:
        """The `timezone` option, else the fixed offset `readUserFormatting` reported; and where it came from."""
        if self._config.timezone is not None:
            return self._config.timezone, f"{self._config.timezone.key} (the timezone option)"
        if gmtoffset is None:
            raise _system_error("Sage Intacct's readUserFormatting answer has no gmtoffset; set the timezone option.")
        try:
            return zone_from_gmtoffset(gmtoffset), f"UTC{gmtoffset.strip()} (from readUserFormatting)"
        except IntacctValueError as error:
            raise _system_error(f"Sage Intacct's readUserFormatting answer: {error}; set the timezone option.") from None

    # ------------------------------------------------------------ functions

    def query(self, object_name: str, fields: Sequence[str], condition: Optional[etree._Element],
              order_by: Sequence[str], offset: int, parser: RecordParser,
              page_size: Optional[int] = None, stream_name: str = "sage_gl",
              required: Collection[str] = ()) -> QueryPage:
        """One page. A failed query that names selected fields other than `required` and `order_by` ones (a
        field Intacct forbids in queries, or one removed since the schema was read) is asked again without
        them, and they stay out of this object's queries for the rest of the run (their values are null); a
        failure naming a `required` field, or none, fails the read."""
        refused = self._refused.setdefault(object_name, set())
        while True:
            selected = [name for name in fields if name not in refused]
            function = xml.query_function(object_name, selected, condition, order_by,
                                          page_size or self._config.page_size, offset)
            try:
                result = self._call(function, stream_name, parser.parse)
                break
            except AirbyteTracedException as error:
                named = _fields_named(error, selected) - set(required) - set(order_by)
                if not named:
                    raise
                refused.update(named)
                self._logger.warning(f"Sage Intacct refused to select {', '.join(sorted(named))} of {object_name} "
                                     f"({error.message}); reading {object_name} without them: they stay null.")
        data = result.data
        if data is None:
            raise _system_error(f"Sage Intacct answered query {object_name} without <data>.")
        if result.record_error is not None:
            raise _system_error(f"Stream {stream_name}: Sage Intacct returned a value that does not have its field's "
                                f"type or the user's format, or cannot be read exactly (query {object_name}): "
                                f"{result.record_error}.")
        records = result.records
        count = _int_attribute(data, "count", len(records))
        return QueryPage(
            records=records,
            offset=_int_attribute(data, "offset", offset),
            count=count,
            total_count=_int_attribute(data, "totalcount", offset + count),
            num_remaining=_int_attribute(data, "numremaining", 0),
        )

    def balances(self, function_name: str, start: date, end: date, parser: RecordParser,
                 stream_name: str = "sage_gl") -> List[Dict[str, Any]]:
        """The answer of a legacy balance function (one element per account; it is not paged)."""
        result = self._call(xml.balances_function(function_name, start, end), stream_name)
        if result.data is None:
            raise _system_error(f"Sage Intacct answered {function_name} without <data>.")
        try:
            return [parser.parse(element) for element in result.data if isinstance(element.tag, str)]
        except IntacctValueError as error:
            raise _system_error(f"Sage Intacct returned a value of the wrong type: {error}.") from None

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
        """Sign in, read the user's formats and one GL account: proves credentials, sender authorization,
        formats the connector can read, and read access."""
        self.query("GLACCOUNT", ["RECORDNO"], None, ["RECORDNO"], 0,
                   RecordParser({"RECORDNO": {"type": "integer"}}, self.clock), page_size=1)


def _fields_named(error: AirbyteTracedException, selected: Sequence[str]) -> Set[str]:
    """The selected fields a failed query's message names (Intacct names the fields it cannot select)."""
    if error.failure_type != FailureType.system_error or not error.message:
        return set()
    return {word.rstrip(".") for word in re.findall(r"[A-Za-z][A-Za-z0-9_.]*", error.message)} & set(selected)


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
