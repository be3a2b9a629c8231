"""Reading the XML requests the connector sent, and building the query a test expects it to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from lxml import etree


def condition_text(node: etree._Element) -> str:
    """A compact, exact rendering of a filter: `and(greaterthanorequalto(WHENMODIFIED, 11/20/2026 00:00:00), …)`."""
    if node.tag in ("and", "or"):
        return f"{node.tag}({', '.join(condition_text(child) for child in node)})"
    values = [child.text or "" for child in node if child.tag == "value"]
    return f"{node.tag}({', '.join([node.findtext('field'), *values])})"


@dataclass
class SentRequest:
    url: str
    function: str
    object_name: Optional[str] = None
    session_id: Optional[str] = None
    login: Dict[str, str] = field(default_factory=dict)
    sender: Dict[str, str] = field(default_factory=dict)
    fields: List[str] = field(default_factory=list)
    filter: Optional[str] = None
    order_by: List[str] = field(default_factory=list)
    page_size: Optional[int] = None
    offset: Optional[int] = None
    show_private: Optional[str] = None
    period: Optional[tuple] = None  # (startdate, enddate) of a balance function, as "MM/DD/YYYY"

    @property
    def is_created_pass(self) -> bool:
        """The query for rows whose WHENMODIFIED is empty (see streams.py)."""
        return bool(self.filter and self.filter.startswith("and(isnull(WHENMODIFIED)"))

    @property
    def key(self) -> str:
        """What `FakeGateway.reply` queues by: "query GLENTRY", "query GLENTRY created", "lookup GLENTRY", …"""
        key = f"{self.function} {self.object_name}" if self.object_name else self.function
        return f"{key} created" if self.is_created_pass else key

    @classmethod
    def parse(cls, url: str, body: bytes) -> "SentRequest":
        root = etree.fromstring(body)
        function = root.find("operation/content/function")[0]
        login = root.find("operation/authentication/login")
        sent = cls(
            url=url,
            function=function.tag,
            object_name=function.findtext("object"),
            session_id=root.findtext("operation/authentication/sessionid"),
            login={child.tag: child.text or "" for child in login} if login is not None else {},
            sender={child.tag: child.text or "" for child in root.find("control")},
        )
        if function.tag == "query":
            filter_node = function.find("filter")
            sent.fields = [node.text for node in function.iterfind("select/field")]
            sent.filter = condition_text(filter_node[0]) if filter_node is not None else None
            sent.order_by = [order.findtext("field") for order in function.iterfind("orderby/order")]
            sent.page_size = int(function.findtext("pagesize"))
            sent.offset = int(function.findtext("offset"))
            sent.show_private = function.findtext("options/showprivate")
        if function.find("startdate") is not None:
            sent.period = tuple(f"{node.findtext('month')}/{node.findtext('day')}/{node.findtext('year')}"
                                for node in (function.find("startdate"), function.find("enddate")))
        return sent


class QueryRequestBuilder:
    """The query a stream is expected to send for one page (wire-format bounds, user time)."""

    def __init__(self, object_name: str, primary_key: str = "RECORDNO"):
        self._object_name = object_name
        self._primary_key = primary_key
        self._filter: Optional[str] = None
        self._order_by: List[str] = []
        self._offset = 0
        self._page_size = 1000

    def modified_between(self, lower: str, upper: str, cursor: str = "WHENMODIFIED", *extra: str) -> "QueryRequestBuilder":
        parts = [f"greaterthanorequalto({cursor}, {lower})", f"lessthanorequalto({cursor}, {upper})", *extra]
        self._filter = f"and({', '.join(parts)})"
        self._order_by = [cursor, self._primary_key]
        return self

    def created_between(self, lower: str, upper: str, created: str = "WHENCREATED") -> "QueryRequestBuilder":
        self._filter = (f"and(isnull(WHENMODIFIED), greaterthanorequalto({created}, {lower}), "
                        f"lessthanorequalto({created}, {upper}))")
        self._order_by = [created, self._primary_key]
        return self

    def after(self, order_value: str, key) -> "QueryRequestBuilder":
        """The keyset condition of a page after the row (`order_value` in wire format, its primary key)."""
        order_field = self._order_by[0]
        keyset = (f"or(greaterthan({order_field}, {order_value}), and(equalto({order_field}, {order_value}), "
                  f"greaterthan({self._primary_key}, {key})))")
        self._filter = f"{self._filter[:-1]}, {keyset})"
        return self

    def with_page_size(self, page_size: int) -> "QueryRequestBuilder":
        self._page_size = page_size
        return self

    def matches(self, sent: SentRequest) -> bool:
        return sent.object_name == self._object_name and self.shape() == shape_of(sent)

    def shape(self) -> dict:
        return {"object": self._object_name, "filter": self._filter, "order_by": self._order_by,
                "offset": self._offset, "page_size": self._page_size, "show_private": "true"}


def shape_of(sent: SentRequest) -> dict:
    return {"object": sent.object_name, "filter": sent.filter, "order_by": sent.order_by, "offset": sent.offset,
            "page_size": sent.page_size, "show_private": sent.show_private}
