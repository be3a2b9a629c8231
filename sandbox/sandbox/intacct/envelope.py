"""The gateway's request and response envelopes: safe parsing of a request, building of a response.

A request is `<request><control/><operation><authentication/><content><function/>…</content></operation>`;
the response mirrors it with one `<result>` per `<function>` (reference §2–§4). Parsing never resolves
entities, loads a DTD or touches the network, and a document with a DOCTYPE is refused outright, so an
external entity or a "billion laughs" payload is rejected without being expanded.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        login, sessionid, tuple(functions))


def element(tag: str, value: str | None = None, **attributes: str) -> etree._Element:
    """An element with text; an empty value renders as ``<X></X>``, as Intacct writes empty values."""
    node = etree.Element(tag, **attributes)
    if value is not None:
        node.text = value
    return node


def leaf(parent: etree._Element, tag: str, value: str = "") -> etree._Element:
    node = etree.SubElement(parent, tag)
    node.text = value
    return node


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


def result(function: Function, data: etree._Element | None = None,
           failure: errors.FunctionFailure | None = None) -> etree._Element:
    node = etree.Element("result")
    leaf(node, "status", "failure" if failure else "success")
    leaf(node, "function", function.name)
    leaf(node, "controlid", function.controlid)
    if failure is not None:
        node.append(error_message(failure.errors))
    elif data is not None:
        node.append(data)
    return node


def serialize(root: etree._Element) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def control_failure_body(control: Control | None, failure: errors.ControlFailure) -> bytes:
    root = etree.Element("response")
    root.append(control_block(control, "failure"))
    root.append(error_message(failure.errors))
    return serialize(root)


def gateway_failure_body(failure: errors.GatewayFailure) -> bytes:
    """The gateway's own error body (GW-0011, GW-0010): no senderid, no correction (reference §6)."""
    root = etree.Element("response")
    control = etree.SubElement(root, "control")
    leaf(control, "status", "failure")
    error = etree.SubElement(etree.SubElement(root, "errormessage"), "error")
    leaf(error, "errorno", failure.errorno)
    leaf(error, "description", failure.description)
    return serialize(root)
