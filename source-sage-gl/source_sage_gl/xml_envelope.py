"""Intacct's XML envelopes: building requests and reading responses safely.

Requests are `<request><control/><operation><authentication/><content><function/>…` documents; a
response mirrors them with one `<result>` per `<function>` (reference §2–§6). Responses are parsed
without resolving entities, loading DTDs or touching the network, and a document that declares a
DOCTYPE is refused, so neither external entities nor entity expansion ("billion laughs") can reach
the connector.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Dict, List, Optional, Sequence

from lxml import etree
from lxml.builder import E

_PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=True,
    remove_blank_text=True, remove_comments=True, remove_pis=True,
)
_PARSER = etree.XMLParser(**_PARSER_OPTIONS)
_DTD_VERSION = "3.0"


class UnreadableResponse(ValueError):
    """The body is not a well-formed, DTD-free Intacct XML response."""


class CredentialBody(bytes):
    """A request document: sent byte for byte, but never printed, because it carries passwords.

    Every request holds the sender password (and a login the user password); the CDK's `HttpClient`
    prints `str(request.body)` in the message of a failed request and logs the body at DEBUG. Both print
    this placeholder instead, so no form of a password (XML-escaped ones included) reaches the output.
    """

    def __str__(self) -> str:
        return "<Sage Intacct request body, not shown: it carries credentials>"

    __repr__ = __str__


# ---------------------------------------------------------------- requests


def _control(sender_id: str, sender_password: str) -> etree._Element:
    return E.control(
        E.senderid(sender_id), E.password(sender_password), E.controlid(uuid.uuid4().hex),
        E.uniqueid("false"), E.dtdversion(_DTD_VERSION), E.includewhitespace("false"),
    )


def _document(control: etree._Element, authentication: etree._Element, function: etree._Element) -> CredentialBody:
    request = E.request(control, E.operation(authentication, E.content(
        E.function(function, controlid=uuid.uuid4().hex))))
    return CredentialBody(etree.tostring(request, xml_declaration=True, encoding="UTF-8"))


def login_request(sender_id: str, sender_password: str, user_id: str, company_id: str, user_password: str,
                  entity_id: Optional[str]) -> CredentialBody:
    """`getAPISession` signed in with the user's credentials (and `<locationid>` for an entity session)."""
    login = E.login(E.userid(user_id), E.companyid(company_id), E.password(user_password))
    if entity_id:
        login.append(E.locationid(entity_id))
    return _document(_control(sender_id, sender_password), E.authentication(login), E.getAPISession())


def session_request(sender_id: str, sender_password: str, function: etree._Element) -> CredentialBody:
    """A function call authenticated by session; the session id is stamped in by `stamp_session`."""
    return _document(_control(sender_id, sender_password), E.authentication(E.sessionid()), function)


def stamp_session(body: bytes, session_id: str) -> CredentialBody:
    """Write the current session id into a request built by `session_request`."""
    root = etree.fromstring(body, _PARSER)
    root.find("operation/authentication/sessionid").text = session_id
    return CredentialBody(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def request_summary(body: Optional[bytes]) -> str:
    """`query GLBATCH` / `getAPISession`: what a request asked for, for error messages (no secrets)."""
    if not body:
        return "request"
    try:
        root = etree.fromstring(body if isinstance(body, bytes) else body.encode(), _PARSER)
    except etree.XMLSyntaxError:
        return "request"
    function = root.find("operation/content/function")
    if function is None or not len(function):
        return "request"
    name = function[0].tag
    target = function[0].findtext("object")
    return f"{name} {target}" if target else name


def session_id_of(body: Optional[bytes]) -> Optional[str]:
    """The session id a request was sent with; None for a login (or an unreadable body)."""
    if not body:
        return None
    try:
        root = etree.fromstring(body if isinstance(body, bytes) else body.encode(), _PARSER)
    except etree.XMLSyntaxError:
        return None
    return root.findtext("operation/authentication/sessionid")


def query_function(object_name: str, fields: Sequence[str], condition: Optional[etree._Element],
                   order_by: Sequence[str], page_size: int, offset: int) -> etree._Element:
    query = E.query(E.object(object_name), E.select(*(E.field(name) for name in fields)))
    if condition is not None:
        query.append(E.filter(condition))
    query.append(E.orderby(*(E.order(E.field(name), E.ascending()) for name in order_by)))
    query.append(E.options(E.showprivate("true")))
    query.append(E.pagesize(str(page_size)))
    query.append(E.offset(str(offset)))
    return query


def balances_function(function_name: str, start: date, end: date) -> etree._Element:
    """`get_trialbalance` / `get_accountbalances` over [start, end], every account, zero balances included."""
    def day(tag: str, value: date) -> etree._Element:
        return getattr(E, tag)(E.year(f"{value.year:04d}"), E.month(f"{value.month:02d}"), E.day(f"{value.day:02d}"))
    return getattr(E, function_name)(day("startdate", start), day("enddate", end), E.showzerobalances("true"))


def lookup_function(object_name: str) -> etree._Element:
    return E.lookup(E.object(object_name))


def read_user_formatting_function(user_id: str) -> etree._Element:
    return E.readUserFormatting(E.userid(user_id))


# Filter conditions (reference §4.1). Values are already in Intacct's wire format.
def all_of(*conditions: etree._Element) -> etree._Element:
    return conditions[0] if len(conditions) == 1 else getattr(E, "and")(*conditions)


def any_of(*conditions: etree._Element) -> etree._Element:
    return conditions[0] if len(conditions) == 1 else getattr(E, "or")(*conditions)


def compare(operator: str, field_name: str, value: str) -> etree._Element:
    return getattr(E, operator)(E.field(field_name), E.value(value))


def is_null(field_name: str) -> etree._Element:
    return E.isnull(E.field(field_name))


# ---------------------------------------------------------------- responses


@dataclass(frozen=True)
class IntacctError:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    @property
    def text(self) -> str:
        message = self.description2 or self.description or self.errorno
        return f"{message} ({self.errorno})" if self.errorno and self.errorno not in message else message


# Converts one record element of a `query` answer (with its 1-based position on the page) into a record.
RecordConverter = Callable[[etree._Element, int], Any]
# How much of a body is parsed before the records it completed are converted and freed.
_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FunctionResult:
    status: str
    function: str
    controlid: str
    errors: List[IntacctError]
    data: Optional[etree._Element]  # parsed with a `RecordConverter`: without its records (see `records`)
    records: List[Any] = field(default_factory=list)  # what the `RecordConverter` made of them
    record_error: Optional[ValueError] = None  # what stopped it

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True)
class GatewayResponse:
    control_status: str
    errors: List[IntacctError] = field(default_factory=list)  # control-level (or gateway) errors
    authentication_status: str = ""
    authentication_errors: List[IntacctError] = field(default_factory=list)
    authentication: Optional[etree._Element] = None
    results: List[FunctionResult] = field(default_factory=list)


def _errors(parent: Optional[etree._Element]) -> List[IntacctError]:
    if parent is None:
        return []
    return [
        IntacctError(
            errorno=(error.findtext("errorno") or "").strip(),
            description=(error.findtext("description") or "").strip(),
            description2=(error.findtext("description2") or "").strip(),
            correction=(error.findtext("correction") or "").strip(),
        )
        for error in parent.iterfind("errormessage/error")
    ]


class _RecordsRead:
    """What a `RecordConverter` made of one `<data>` element's records."""

    def __init__(self):
        self.records: List[Any] = []
        self.error: Optional[ValueError] = None

    def take(self, data: etree._Element, convert: RecordConverter, complete: int) -> None:
        """Convert the first `complete` children of `data` and remove them from the tree. A `ValueError`
        stops the conversion of this `<data>` (the parse goes on, so the answer's status is still read)."""
        for element in data[:complete]:
            if self.error is None and isinstance(element.tag, str):
                try:
                    self.records.append(convert(element, len(self.records) + 1))
                except ValueError as error:
                    self.error = error
        del data[:complete]


def _parse_converting_records(body: bytes, convert: RecordConverter) -> tuple:
    """The document's root, each `<data>`'s records converted and removed while the body is parsed.

    The body is parsed a chunk at a time: after each chunk the records it completed (every child of the
    open `<data>` but the last, which may still be partial) are converted and freed, so the tree never holds
    more than a chunk's worth of records. Only the start of `<data>` is reported by the parser: asking for an
    event per record would cost more than the whole parse without events."""
    parser = etree.XMLPullParser(events=("start",), tag="data", **_PARSER_OPTIONS)
    read: Dict[etree._Element, _RecordsRead] = {}
    current: Optional[etree._Element] = None  # the latest <data> of a <result>
    for offset in range(0, len(body), _CHUNK_BYTES):
        parser.feed(body[offset:offset + _CHUNK_BYTES])
        for _, element in parser.read_events():
            parent = element.getparent()
            if parent is None or parent.tag != "result":
                continue  # a field named `data`, inside a record
            if current is not None:
                read[current].take(current, convert, len(current))
            current = element
            read[current] = _RecordsRead()
        if current is not None:
            read[current].take(current, convert, max(len(current) - 1, 0))  # the last may be partial
    root = parser.close()
    if current is not None:
        read[current].take(current, convert, len(current))
    return root, read


def parse_response(body: bytes, convert: Optional[RecordConverter] = None) -> GatewayResponse:
    """Read a gateway response; raise `UnreadableResponse` for anything that is not one.

    With `convert`, each `<data>`'s records are converted while the body is parsed and are not kept in the
    tree: the results carry them as `records`. A page is then never a whole tree (2,000 GLDETAIL rows are
    5 MB of XML, a 28 MB tree and 8 MB of records)."""
    read: Dict[etree._Element, _RecordsRead] = {}
    try:
        if convert is None:
            root = etree.fromstring(body, _PARSER)
        else:
            root, read = _parse_converting_records(body, convert)
    except etree.XMLSyntaxError as error:
        raise UnreadableResponse(f"malformed XML: {error.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise UnreadableResponse("the response declares a DOCTYPE, which is refused")
    if root.tag != "response" or root.find("control") is None:
        raise UnreadableResponse(f"unexpected root element <{root.tag}>")
    operation = root.find("operation")
    authentication = operation.find("authentication") if operation is not None else None
    results = [] if operation is None else [
        _function_result(result, read) for result in operation.iterfind("result")
    ]
    return GatewayResponse(
        control_status=(root.findtext("control/status") or "").strip(),
        errors=_errors(root),
        authentication_status=(authentication.findtext("status") or "").strip() if authentication is not None else "",
        authentication_errors=_errors(operation),
        authentication=authentication,
        results=results,
    )


def _function_result(result: etree._Element, read: Dict[etree._Element, _RecordsRead]) -> FunctionResult:
    data = result.find("data")
    records = read.get(data) if data is not None else None
    return FunctionResult(
        status=(result.findtext("status") or "").strip(),
        function=(result.findtext("function") or "").strip(),
        controlid=(result.findtext("controlid") or "").strip(),
        errors=_errors(result),
        data=data,
        records=records.records if records is not None else [],
        record_error=records.error if records is not None else None,
    )
