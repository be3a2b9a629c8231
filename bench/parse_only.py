"""The parse-only limit of each source: the same requests and the same parser, nothing else.

`python -m bench.parse_only harvest|generic|sage CONFIG` reads the stream the source reads with plain HTTP
(requests), parses each page with what the source parses it with (orjson for JSON, lxml for Intacct's XML),
and prints every record as an Airbyte RECORD message with orjson: no CDK, no schema, no type conversion, no
state. It is the ceiling a source could reach on the same sandbox; `CONFIG` is the source's own config.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import orjson
import requests
from lxml import etree

HARVEST_PER_PAGE = 2000
INTACCT_PAGE_SIZE = 2000


def harvest_time_entries(config: dict, session: requests.Session) -> Iterator[dict]:
    provider = config["provider"]
    session.headers.update({"Authorization": f"Bearer {provider['access_token']}",
                            "Harvest-Account-Id": provider["account_id"], "User-Agent": provider["user_agent"]})
    url = provider["base_url"].rstrip("/") + "/time_entries"
    params: dict | None = {"per_page": HARVEST_PER_PAGE, "updated_since": config["start_date"]}
    while url:
        response = session.get(url, params=params)
        response.raise_for_status()
        body = orjson.loads(response.content)
        yield from body["time_entries"]
        url, params = (body.get("links") or {}).get("next"), None  # the next link carries every parameter


def generic_entries(config: dict, session: requests.Session) -> Iterator[dict]:
    provider = config["provider"]
    session.headers["Authorization"] = f"Bearer {provider['auth']['token']}"
    url = provider["base_url"].rstrip("/") + "/" + provider["entries_path"].lstrip("/")
    limit = provider.get("pagination", {}).get("page_size", 100)
    offset = 0
    while True:
        response = session.get(url, params={"offset": offset, "limit": limit, "updated_since": config["start_date"]})
        response.raise_for_status()
        body = orjson.loads(response.content)
        yield from body[provider["records_path"]]
        offset += limit
        if not body[provider["records_path"]] or offset >= body["total"]:
            return


def intacct_request(config: dict, authentication: str, function: str) -> bytes:
    """One Intacct request's XML: the sender's control block around one function (also `bench.cdk_floor`'s)."""
    return (f"<?xml version='1.0' encoding='UTF-8'?><request><control><senderid>{config['sender_id']}</senderid>"
            f"<password>{config['sender_password']}</password><controlid>{uuid.uuid4().hex}</controlid>"
            f"<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace>"
            f"</control><operation><authentication>{authentication}</authentication><content>"
            f"<function controlid='{uuid.uuid4().hex}'>{function}</function></content></operation></request>").encode()


def intacct_data(content: bytes) -> etree._Element:
    """The `data` element of a successful answer."""
    root = etree.fromstring(content)
    if root.findtext("operation/result/status") != "success":
        raise SystemExit(f"Intacct answered: {content[:2000].decode(errors='replace')}")
    return root.find("operation/result/data")


def _intacct_call(session: requests.Session, url: str, config: dict, authentication: str, function: str) -> etree._Element:
    response = session.post(url, data=intacct_request(config, authentication, function),
                            headers={"Content-Type": "application/xml"})
    response.raise_for_status()
    return intacct_data(response.content)


def intacct_sign_in(config: dict, session: requests.Session) -> tuple[str, str, str]:
    """(the session's endpoint, its `authentication` element, GLENTRY's `select`: every field `lookup` names)."""
    login = (f"<login><userid>{config['user_id']}</userid><companyid>{config['company_id']}</companyid>"
             f"<password>{config['user_password']}</password></login>")
    api = _intacct_call(session, config["endpoint_url"], config, login, "<getAPISession/>").find("api")
    url, authentication = api.findtext("endpoint"), f"<sessionid>{api.findtext('sessionid')}</sessionid>"
    lookup = _intacct_call(session, url, config, authentication, "<lookup><object>GLENTRY</object></lookup>")
    return url, authentication, "".join(f"<field>{name}</field>" for name in lookup.xpath(".//Fields/Field/ID/text()"))


def glentry_query(select: str, offset: int) -> str:
    """One page of GLENTRY, ordered by RECORDNO, as the source pages it."""
    return (f"<query><object>GLENTRY</object><select>{select}</select><orderby><order><field>RECORDNO</field>"
            f"<ascending/></order></orderby><options><showprivate>true</showprivate></options>"
            f"<pagesize>{INTACCT_PAGE_SIZE}</pagesize><offset>{offset}</offset></query>")


def glentry_records(data: etree._Element) -> Iterator[dict]:
    """Each record of a page as its fields' texts, unchanged."""
    for element in data:
        yield {child.tag: child.text for child in element}


def next_glentry_offset(data: etree._Element) -> int | None:
    """The offset of the page after this one (None: this was the last)."""
    return None if int(data.get("numremaining")) == 0 else int(data.get("offset")) + int(data.get("count"))


def intacct_journal_entry_lines(config: dict, session: requests.Session) -> Iterator[dict]:
    """GLENTRY, every field `lookup` names, paged by offset as the source pages it."""
    url, authentication, select = intacct_sign_in(config, session)
    offset: int | None = 0
    while offset is not None:
        data = _intacct_call(session, url, config, authentication, glentry_query(select, offset))
        yield from glentry_records(data)
        offset = next_glentry_offset(data)


READERS = {"harvest": ("time_entries", harvest_time_entries), "generic": ("time_entries", generic_entries),
           "sage": ("journal_entry_lines", intacct_journal_entry_lines)}


def main(kind: str, config_path: str) -> int:
    stream, reader = READERS[kind]
    config = orjson.loads(Path(config_path).read_bytes())
    out = sys.stdout.buffer
    with requests.Session() as session:
        for record in reader(config, session):
            message = {"type": "RECORD", "record": {"stream": stream, "data": record,
                                                     "emitted_at": int(time.time() * 1000)}}
            out.write(orjson.dumps(message) + b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
