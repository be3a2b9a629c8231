"""A scripted Intacct gateway on requests-mock: replies per function, and every request kept for asserts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import requests_mock

from unit_tests.config_builder import LOGIN_URL
from unit_tests.request_builder import SentRequest
from unit_tests.response_builder import empty_page, lookup_response, session_response, template

SESSION_URL = "https://session.intacct.test/ia/xml/xmlgw.phtml"


@dataclass
class Reply:
    body: bytes
    status: int = 200
    headers: Dict[str, str] = field(default_factory=lambda: {"Content-Type": 'text/xml; encoding="UTF-8";charset=UTF-8'})
    before: Optional[Callable[[SentRequest], None]] = None  # runs when the reply is served (e.g. move a frozen clock)


class FakeGateway:
    def __init__(self, mocker: requests_mock.Mocker):
        self.sent: List[SentRequest] = []
        self._replies: Dict[str, List[Reply]] = defaultdict(list)
        self._sessions = 0
        for url in (LOGIN_URL, SESSION_URL):
            mocker.post(url, content=self._answer)

    def reply(self, key: str, body: bytes, status: int = 200, headers: Optional[Dict[str, str]] = None,
              before: Optional[Callable[[SentRequest], None]] = None) -> "FakeGateway":
        """Queue a reply for `key` ("query GLENTRY", "getAPISession", "lookup GLENTRY", …); served in order."""
        reply = Reply(body, status, before=before)
        if headers is not None:
            reply.headers = headers
        self._replies[key].append(reply)
        return self

    def queries(self, object_name: Optional[str] = None, created_pass: bool = False) -> List[SentRequest]:
        """The `query` requests of one pass (the modified pass unless `created_pass`), in the order sent."""
        return [s for s in self.sent if s.function == "query" and s.is_created_pass == created_pass
                and (object_name is None or s.object_name == object_name)]

    def count(self, key: str) -> int:
        return sum(1 for s in self.sent if s.key == key)

    def _default(self, sent: SentRequest) -> Reply:
        if sent.function == "getAPISession":
            self._sessions += 1
            return Reply(session_response(f"fake-session-{self._sessions}", SESSION_URL))
        if sent.function == "readUserFormatting":
            return Reply(template("read_user_formatting.xml"))
        if sent.function == "lookup":
            return Reply(lookup_response(sent.object_name, {}))
        if sent.is_created_pass:
            return Reply(empty_page(sent.object_name))  # most objects have no row with an empty WHENMODIFIED
        raise AssertionError(f"unexpected request: {sent.key} at offset {sent.offset}")

    def _answer(self, request, context) -> bytes:
        sent = SentRequest.parse(request.url, request.body)
        self.sent.append(sent)
        queue = self._replies.get(sent.key)
        reply = queue.pop(0) if queue else self._default(sent)
        if reply.before is not None:
            reply.before(sent)
        context.status_code = reply.status
        context.headers.update(reply.headers)
        return reply.body
