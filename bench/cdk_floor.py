"""The CDK floor: the smallest airbyte-cdk source over the same endpoint, what any CDK Python source costs there.

`python -m bench.cdk_floor harvest|generic|intacct read --config CONFIG --catalog CATALOG` runs one public-API
`HttpStream` through the CDK's real entry point (`launch`) in the connectors' virtual environment: the same
requests and page size as source-time-tracking or source-sage-gl (`CONFIG` is the source's own config), each page
parsed as ours parses it (`json.loads`; Intacct's XML with lxml, its requests built by `bench.parse_only`'s
code, so the same sign-in and GLENTRY query as the parse-only limit) and its records yielded unchanged (Intacct's
as their fields' texts). No typing, no cursor, no state, no error handling of its own; the process set up as
our sources' (the collector off during the imports, their objects frozen). The gap between it and the
parse-only limit is the CDK's (its imports, message objects, serialisation, the read loop), the gap between our
source and it is ours.

Numbers with a fraction stay their exact text (`parse_float=str`): the CDK's serialiser refuses a `Decimal`
(and a float would round 12.50), so this is the cheapest exact form; source-time-tracking emits the same text
for a decimal its schema declares.
"""

from __future__ import annotations

import gc

gc.disable()  # as source-time-tracking does: the CDK's import makes ~130,000 objects, none of them garbage

import json
import sys
from functools import cached_property
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import ConnectorSpecification
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams.http import HttpStream

from bench.parse_only import glentry_query, glentry_records, intacct_data, intacct_request, intacct_sign_in, \
    next_glentry_offset

HARVEST_PER_PAGE = 2000
SCHEMA = {"type": "object", "properties": {}}


class FloorStream(HttpStream):
    """One stream from one paged list: the parsed records as they are."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        self._config = config

    def get_json_schema(self) -> Mapping[str, Any]:
        return SCHEMA  # the CDK asks for it with every record: a constant, as the cheapest source would have it

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        yield from self.records(self.body(response))

    def body(self, response: requests.Response) -> Any:
        """The page, parsed once (`next_page_token` reads it again)."""
        if getattr(response, "parsed", None) is None:
            response.parsed = self.parse(response.content)
        return response.parsed

    def parse(self, content: bytes) -> Any:
        raise NotImplementedError

    def records(self, body: Any) -> Iterable[Mapping[str, Any]]:
        raise NotImplementedError


class TimeEntriesFloor(FloorStream):
    """`time_entries` of a time-tracking provider: JSON pages."""

    name = "time_entries"
    primary_key = "id"

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self._provider = config["provider"]
        self._start_date = config["start_date"]

    @property
    def url_base(self) -> str:
        return self._provider["base_url"].rstrip("/") + "/"

    def parse(self, content: bytes) -> Any:
        return json.loads(content, parse_float=str)


class HarvestFloor(TimeEntriesFloor):
    """`GET /v2/time_entries?per_page=2000&updated_since=…`, then each page's `links.next`."""

    def path(self, next_page_token: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        return next_page_token["next_url"] if next_page_token else "time_entries"

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"Authorization": f"Bearer {self._provider['access_token']}",
                "Harvest-Account-Id": self._provider["account_id"], "User-Agent": self._provider["user_agent"]}

    def request_params(self, next_page_token: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> dict:
        return {} if next_page_token else {"per_page": HARVEST_PER_PAGE, "updated_since": self._start_date}

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        next_url = (self.body(response).get("links") or {}).get("next")
        return {"next_url": next_url} if next_url else None

    def records(self, body: Any) -> list:
        return body["time_entries"]


class GenericFloor(TimeEntriesFloor):
    """`GET <entries_path>?offset=…&limit=<page size>&updated_since=…` until a page is short or `total` is reached."""

    def path(self, **kwargs: Any) -> str:
        return self._provider["entries_path"].lstrip("/")

    @property
    def page_size(self) -> int:
        return self._provider.get("pagination", {}).get("page_size", 100)

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"Authorization": f"Bearer {self._provider['auth']['token']}"}

    def request_params(self, next_page_token: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> dict:
        offset = (next_page_token or {}).get("offset", 0)
        return {"offset": offset, "limit": self.page_size, "updated_since": self._start_date}

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        body = self.body(response)
        sent = int(parse_qs(urlsplit(response.request.url).query)["offset"][0])  # the CDK passes no token here
        offset = sent + len(self.records(body))
        if len(self.records(body)) < self.page_size or offset >= body["total"]:
            return None
        return {"offset": offset}

    def records(self, body: Any) -> list:
        return body[self._provider["records_path"]]


class IntacctFloor(FloorStream):
    """`journal_entry_lines`: sign in (`getAPISession`, GLENTRY's `lookup`), then POST GLENTRY's `query` page by
    page, by offset, as the parse-only limit does."""

    name = "journal_entry_lines"
    primary_key = "RECORDNO"
    http_method = "POST"

    @cached_property
    def signed_in(self) -> tuple[str, str, str]:
        """(the session's endpoint, its `authentication`, the `select` of every field): asked once, before the
        first page, on a session of its own (two requests)."""
        with requests.Session() as session:
            return intacct_sign_in(self._config, session)

    @property
    def url_base(self) -> str:
        return self.signed_in[0]

    def path(self, **kwargs: Any) -> str:
        return ""

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"Content-Type": "application/xml"}

    def request_body_data(self, next_page_token: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> bytes:
        _, authentication, select = self.signed_in
        offset = (next_page_token or {}).get("offset", 0)
        return intacct_request(self._config, authentication, glentry_query(select, offset))

    def parse(self, content: bytes) -> Any:
        return intacct_data(content)

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        offset = next_glentry_offset(self.body(response))
        return None if offset is None else {"offset": offset}

    def records(self, body: Any) -> Iterable[Mapping[str, Any]]:
        return glentry_records(body)


class FloorSource(AbstractSource):
    def __init__(self, stream: type[FloorStream]) -> None:
        self._stream = stream

    def spec(self, logger: Any) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object"})

    def check_connection(self, logger: Any, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[FloorStream]:
        return [self._stream(config)]


STREAMS = {"harvest": HarvestFloor, "generic": GenericFloor, "intacct": IntacctFloor}

if __name__ == "__main__":
    gc.enable()
    gc.freeze()  # as source-time-tracking's `run`: what the imports made is never walked again
    launch(FloorSource(STREAMS[sys.argv[1]]), sys.argv[2:])
