"""Gateway responses built from the XML templates in `resource/http/response/`."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Dict, List, Optional

from airbyte_cdk.sources.utils import casing
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
from lxml import etree

from source_sage_gl.streams import STREAMS

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


def user_formatting_response(dateformat: str = "/mdY", clock: str = "24", gmtoffset: str = "-08:00") -> bytes:
    """A `readUserFormatting` answer with the given date format, clock and GMT offset."""
    root = etree.fromstring(template("read_user_formatting.xml"))
    formatting = root.find(".//userformatting")
    formatting.find("dateformat").text = dateformat
    formatting.find("clock").text = clock
    formatting.find("gmtoffset").text = gmtoffset
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def packaged_fields(object_name: str) -> Dict[str, str]:
    """The packaged schema's fields of the object's stream as `lookup` lists them (name → DATATYPE)."""
    stream = next(stream for stream in STREAMS if stream.object_name == object_name)
    properties = ResourceSchemaLoader("source_sage_gl").get_schema(casing.camel_to_snake(stream.__name__))["properties"]
    return {name: _datatype(schema) for name, schema in properties.items()}


def _datatype(schema: dict) -> str:
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types
    for json_type, datatype in (("integer", "INTEGER"), ("number", "DECIMAL"), ("boolean", "BOOLEAN")):
        if json_type in types:
            return datatype
    return {"date": "DATE", "date-time": "TIMESTAMP"}.get(schema.get("format"), "TEXT")


def lookup_response(object_name: str, custom_fields: Dict[str, str],
                    standard_fields: Optional[Dict[str, str]] = None) -> bytes:
    """A `lookup` answer: the standard fields (name → DATATYPE; by default the packaged schema's fields, as a
    company that enabled nothing more answers), then the given custom fields."""
    root = etree.fromstring(template("lookup.xml"))
    type_node = root.find(".//Type")
    type_node.set("Name", object_name)
    fields = type_node.find("Fields")
    sample_standard, sample_custom = fields[0], fields[1]
    fields.remove(sample_standard)
    fields.remove(sample_custom)
    standard = packaged_fields(object_name) if standard_fields is None else standard_fields
    for sample, listed in ((sample_standard, standard), (sample_custom, custom_fields)):
        for name, data_type in listed.items():
            field = copy.deepcopy(sample)
            field.find("ID").text = name
            field.find("LABEL").text = name.title()
            field.find("DESCRIPTION").text = name.title()
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


def invalid_query_response(description2: str) -> bytes:
    """A `query` that Intacct refused ("Query Failed"), with the given message."""
    root = etree.fromstring(template("query_failed.xml"))
    root.find(".//error/description2").text = description2
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


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
