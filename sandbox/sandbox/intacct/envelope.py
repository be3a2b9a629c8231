"""The gateway's request and response envelopes: safe parsing of a request, building of a response.

A request is `<request><control/><operation><authentication/><content><function/>…</content></operation>`;
the response mirrors it with one `<result>` per `<function>` (reference §2–§4). Parsing never resolves
entities, loads a DTD or touches the network, and a document with a DOCTYPE is refused outright, so an
external entity or a "billion laughs" payload is rejected without being expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from lxml import etree

from . import errors
from .errors import ErrorDetail

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          dtd_validation=False, remove_comments=True, remove_pis=True)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class Control:
    senderid: str
    password: str
    controlid: str
    uniqueid: str
    dtdversion: str


@dataclass(frozen=True)
class Login:
    userid: str
    companyid: str
    password: str
    locationid: str  # "" for a top-level sign-in


@dataclass(frozen=True)
class Function:
    controlid: str
    name: str  # the element inside <function>, e.g. "query"
    body: etree._Element


@dataclass(frozen=True)
class GatewayRequest:
    control: Control
    login: Login | None  # exactly one of login / sessionid is set
    sessionid: str | None
    functions: tuple[Function, ...]
    transaction: bool = False  # <operation transaction="true">: one failed function aborts the others


def text(element: etree._Element | None, path: str, default: str = "") -> str:
    """The stripped text of a child (``default`` when it is missing)."""
    found = element.find(path) if element is not None else None
    return default if found is None else (found.text or "").strip()


def parse_request(body: bytes) -> GatewayRequest:
    """Read a gateway request.

    Raises `errors.ControlFailure` (XL03000003) for a body that is not well-formed XML or declares a
    DOCTYPE, and `errors.GatewayFailure` (GW-0011) for XML that is not a gateway request.
    """
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise errors.xml_parse_error(f"Fatal Error: {error.msg}") from error
    if root.getroottree().docinfo.doctype:
        raise errors.xml_parse_error("Fatal Error: a DOCTYPE is not allowed in a request")
    control, operation = root.find("control"), root.find("operation")
    authentication = operation.find("authentication") if operation is not None else None
    content = operation.find("content") if operation is not None else None
    if root.tag != "request" or control is None or authentication is None or content is None:
        raise errors.invalid_request()
    login_element = authentication.find("login")
    sessionid = text(authentication, "sessionid") or None
    if (login_element is None) == (sessionid is None):
        raise errors.invalid_request()
    functions = []
    for element in content.findall("function"):
        children = [child for child in element if isinstance(child.tag, str)]
        if len(children) != 1:
            raise errors.invalid_request()
        functions.append(Function(element.get("controlid", ""), children[0].tag, children[0]))
    if not functions:
        raise errors.invalid_request()
    login = None if login_element is None else Login(
        text(login_element, "userid"), text(login_element, "companyid"), text(login_element, "password"),
        text(login_element, "locationid"))
    return GatewayRequest(
        Control(text(control, "senderid"), text(control, "password"), text(control, "controlid"),
                text(control, "uniqueid", "false"), text(control, "dtdversion", "3.0")),
        login, sessionid, tuple(functions), transaction=operation.get("transaction", "").lower() == "true")


def leaf(parent: etree._Element, tag: str, value: str = "") -> etree._Element:
    node = etree.SubElement(parent, tag)
    node.text = value
    return node


def serialize(node: etree._Element) -> bytes:
    """Canonical XML: an empty value is written ``<X></X>``, as Intacct writes empty values."""
    return etree.tostring(node, method="c14n")


def records(tag: str, fields: Sequence[tuple[str, Callable[[object], str], bool]], rows) -> bytes:
    """Query records ``<TAG><FIELD>value</FIELD>…</TAG>`` as XML text.

    Written directly rather than element by element: a page of 2,000 GL lines is built several times
    faster, which is most of the emulator's time in a million-line read. Each field is (name, converter of
    non-NULL stored values, whether its values can hold markup characters: only text needs escaping).
    NULL is written as an empty element ``<FIELD></FIELD>``.
    """
    spec = [(f"<{name}>", f"</{name}>", convert, markup) for name, convert, markup in fields]
    opening, closing = f"<{tag}>", f"</{tag}>"
    out: list[str] = []
    append = out.append
    for row in rows:
        append(opening)
        for (start, end, convert, markup), stored in zip(spec, row):
            append(start)
            if stored is not None:
                value = convert(stored)
                append(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if markup else value)
            append(end)
        append(closing)
    return "".join(out).encode()


def _with_content(node: etree._Element, content: bytes) -> bytes:
    """An element serialized with pre-serialized XML as its last content."""
    closing = f"</{node.tag}>".encode()
    return serialize(node)[:-len(closing)] + content + closing


def error_message(details: tuple[ErrorDetail, ...]) -> etree._Element:
    node = etree.Element("errormessage")
    for detail in details:
        error = etree.SubElement(node, "error")
        leaf(error, "errorno", detail.errorno)
        leaf(error, "description", detail.description)
        leaf(error, "description2", detail.description2)
        leaf(error, "correction", detail.correction)
    return node


def control_block(control: Control | None, status: str) -> etree._Element:
    node = etree.Element("control")
    leaf(node, "status", status)
    leaf(node, "senderid", control.senderid if control else "")
    leaf(node, "controlid", control.controlid if control else "")
    if control is not None:
        leaf(node, "uniqueid", control.uniqueid)
        leaf(node, "dtdversion", control.dtdversion)
    return node


@dataclass(frozen=True)
class Data:
    """A function's `<data>`: attributes, and its content as elements or as pre-serialized XML."""

    children: tuple[etree._Element, ...] = ()
    content: bytes = b""
    attributes: dict[str, str] | None = None

    def serialize(self) -> bytes:
        node = etree.Element("data", **(self.attributes or {}))
        node.extend(self.children)
        return _with_content(node, self.content)


def result(function: Function, data: Data | None = None, failure: errors.FunctionFailure | None = None,
           status: str | None = None) -> bytes:
    """One `<result>`; `status` defaults to failure/success (`aborted` for functions a transaction rolled back)."""
    node = etree.Element("result")
    leaf(node, "status", status or ("failure" if failure else "success"))
    leaf(node, "function", function.name)
    leaf(node, "controlid", function.controlid)
    if failure is not None:
        node.append(error_message(failure.errors))
    return _with_content(node, data.serialize() if data is not None and failure is None else b"")


def response(*parts: etree._Element | bytes, operation: tuple[etree._Element | bytes, ...] | None = None) -> bytes:
    """``<response>`` of the given parts, then (when given) ``<operation>`` of its parts."""
    def xml(part):
        return part if isinstance(part, bytes) else serialize(part)
    body = b"".join(xml(part) for part in parts)
    if operation is not None:
        body += b"<operation>" + b"".join(xml(part) for part in operation) + b"</operation>"
    return _DECLARATION + b"<response>" + body + b"</response>"


def control_failure_body(control: Control | None, failure: errors.ControlFailure) -> bytes:
    return response(control_block(control, "failure"), error_message(failure.errors))


def gateway_failure_body(failure: errors.GatewayFailure) -> bytes:
    """The gateway's own error body (GW-0011, GW-0010): no senderid, no correction (reference §6)."""
    control = etree.Element("control")
    leaf(control, "status", "failure")
    message = etree.Element("errormessage")
    error = etree.SubElement(message, "error")
    leaf(error, "errorno", failure.errorno)
    leaf(error, "description", failure.description)
    return response(control, message)
