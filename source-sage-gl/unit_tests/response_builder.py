"""Gateway responses built from the XML templates in `resource/http/response/`."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Dict, List, Optional

from lxml import etree

TEMPLATES = Path(__file__).parent / "resource" / "http" / "response"


def template(name: str) -> bytes:
    return (TEMPLATES / name).read_bytes()


def session_response(session_id: str = "fake-session-1", endpoint: Optional[str] = None,
                     timeout: Optional[str] = None) -> bytes:
    root = etree.fromstring(template("get_api_session.xml"))
    root.find(".//api/sessionid").text = session_id
    if endpoint is not None:
        root.find(".//api/endpoint").text = endpoint
    if timeout is not None:
        root.find(".//authentication/sessiontimeout").text = timeout
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def lookup_response(object_name: str, custom_fields: Dict[str, str]) -> bytes:
    """A `lookup` answer listing RECORDNO plus the given custom fields (name → DATATYPE)."""
    root = etree.fromstring(template("lookup.xml"))
    type_node = root.find(".//Type")
    type_node.set("Name", object_name)
    fields = type_node.find("Fields")
    sample_custom = fields[1]
    fields.remove(sample_custom)
    for name, data_type in custom_fields.items():
        field = copy.deepcopy(sample_custom)
        field.find("ID").text = name
        field.find("LABEL").text = name.title()
        field.find("DATATYPE").text = data_type
        fields.append(field)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class QueryResponseBuilder:
    """One `query` page. Records of GLENTRY start from the template's sample line; others from scratch."""

    def __init__(self, object_name: str = "GLENTRY"):
        self._root = etree.fromstring(template("query.xml"))
        self._data = self._root.find(".//data")
        self._sample = self._data[0]
        self._data.remove(self._sample)
        self._object_name = object_name
        self._records: List[etree._Element] = []
        self._total: Optional[int] = None
        self._offset = 0
        self._remaining: Optional[int] = None

    def with_record(self, **fields: Optional[str]) -> "QueryResponseBuilder":
        """Wire values as Intacct writes them (strings); None writes an empty element."""
        if self._object_name == self._sample.tag:
            record = copy.deepcopy(self._sample)
        else:
            record = etree.Element(self._object_name)
        for name, value in fields.items():
            node = record.find(name)
            if node is None:
                node = etree.SubElement(record, name)
            node.text = value
        self._records.append(record)
        return self

    def with_pagination(self, total: int, offset: int = 0, remaining: Optional[int] = None) -> "QueryResponseBuilder":
        self._total, self._offset, self._remaining = total, offset, remaining
        return self

    def build(self) -> bytes:
        count = len(self._records)
        total = self._total if self._total is not None else self._offset + count
        remaining = self._remaining if self._remaining is not None else total - self._offset - count
        self._data.attrib.update({"listtype": self._object_name, "totalcount": str(total), "offset": str(self._offset),
                                  "count": str(count), "numremaining": str(remaining)})
        for record in self._records:
            self._data.append(record)
        return etree.tostring(self._root, xml_declaration=True, encoding="UTF-8")


def empty_page(object_name: str = "GLENTRY") -> bytes:
    return QueryResponseBuilder(object_name).build()


class BalancesResponseBuilder:
    """A `get_trialbalance` answer: the template's account, or the accounts given."""

    def __init__(self):
        self._root = etree.fromstring(template("trial_balance.xml"))
        self._data = self._root.find(".//data")
        self._sample = self._data[0]
        self._accounts: List[etree._Element] = []

    def with_account(self, **fields: str) -> "BalancesResponseBuilder":
        account = copy.deepcopy(self._sample)
        for name, value in fields.items():
            account.find(name).text = value
        self._accounts.append(account)
        return self

    def build(self) -> bytes:
        if self._accounts:
            self._data.remove(self._sample)
            self._data.extend(self._accounts)
        self._data.set("count", str(len(self._data)))
        return etree.tostring(self._root, xml_declaration=True, encoding="UTF-8")
