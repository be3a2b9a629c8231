"""The Sage Intacct XML Web Services gateway: `POST /ia/xml/xmlgw.phtml`.

One request carries sender credentials (`<control>`), a sign-in or a session (`<authentication>`) and
one or more functions, each answered by a `<result>` that echoes its `controlid`. Supported functions:
`getAPISession`, `query`, `lookup`, `readUserFormatting`, `getDimensions`, and the legacy balance
functions `get_trialbalance` and `get_accountbalances` (computed from the posted GL lines, see balances.py).

The user's formatting (`formatting.UserFormatting`: date format, 12/24-hour clock, GMT offset) is a start
setting (`user_formatting=`, `serve --intacct-dateformat/--intacct-clock/--intacct-gmtoffset`) that
`POST /_sandbox/settings` changes while serving and `POST /_sandbox/reset` restores; every date and
timestamp is written, and every filter value read, in it.

Settings a test can change on an instance: `sessions.timeout` (default 1 h) and `denied_objects`, the
objects the Web Services user may not query (e.g. ``{"AUDITHISTORY"}`` → PL04000005). Over HTTP the same
denial is the fault kind ``permission_denied``, matched against the path ``/ia/xml/xmlgw.phtml/<OBJECT>``
(so ``paths=["/ia/xml/xmlgw.phtml/AUDITHISTORY"]`` withdraws only the audit-trail permission),
``expired_session`` makes every open session invalid, and ``company_expired`` answers every request with the
control-level PL04000055 of an expired (demo) company.

The objects' fields (`objects`: what `lookup` lists and `query` may select) change through
``POST /_sandbox/schema`` and return to the seeded definitions on ``POST /_sandbox/reset``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from lxml import etree

from sandbox.jsonapi import VersionedCache
from sandbox.routing import Request, Response
from . import balances, envelope, errors, formatting, functions, query
from .envelope import Data, Function, GatewayRequest, leaf, text
from .objects import ObjectDefinitions
from .sessions import Session, Sessions

PREFIX = "/ia/xml"
ENDPOINT = f"{PREFIX}/xmlgw.phtml"
VENDOR = "intacct"


@dataclass(frozen=True)
class Credentials:
    """What the gateway accepts (the sandbox's `credentials["intacct"]`)."""

    sender_id: str = "sandbox_sender"
    sender_password: str = "sandbox-sender-secret"
    company_id: str = "NORTHWIND-FS"
    user_id: str = "ws_sandbox"
    user_password: str = "sandbox-user-secret"


@dataclass
class _Context:
    """One request being answered: its session and the clock reading it is answered at."""

    request: Request
    session: Session
    now: datetime
    results: list = field(default_factory=list)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class IntacctEmulator:
    prefix = PREFIX

    def __init__(self, store, faults, *, credentials: Credentials = Credentials(),
                 clock: Callable[[], datetime] = _utc_now,
                 user_formatting: formatting.UserFormatting = formatting.UserFormatting()):
        self.store = store
        self.faults = faults
        self.credentials = credentials
        self.clock = clock
        self._start_formatting = user_formatting
        self.user_formatting = user_formatting
        self.sessions = Sessions()
        self.denied_objects: set[str] = set()
        self.objects = ObjectDefinitions()  # changed by POST /_sandbox/schema
        self._counts = VersionedCache()
        self._last_keys = VersionedCache()
        self._functions = {"getAPISession": self._get_api_session, "query": self._query,
                           "lookup": self._lookup, "readUserFormatting": self._read_user_formatting,
                           "getDimensions": self._get_dimensions,
                           **{name: self._balances for name in balances.FUNCTIONS}}

    # -- settings ------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """`POST /_sandbox/reset`: the start formatting and the seeded object definitions again."""
        self.user_formatting = self._start_formatting
        self.objects.reset()

    def settings(self) -> dict:
        """`GET /_sandbox/settings`: `intacct_dateformat`, `intacct_clock`, `intacct_gmtoffset`."""
        return self.user_formatting.settings()

    def apply_settings(self, settings: dict) -> None:
        """`POST /_sandbox/settings`: any of the three; a bad value raises ValueError and changes nothing."""
        current = self.user_formatting
        self.user_formatting = formatting.UserFormatting.from_settings(
            settings.get("intacct_dateformat", current.dateformat), settings.get("intacct_clock", current.clock),
            settings.get("intacct_gmtoffset", current.gmtoffset))

    # -- HTTP ----------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path != ENDPOINT:
            return Response(404, _NOT_FOUND_PAGE, {"Content-Type": "text/html; charset=UTF-8"})
        if request.method != "POST":
            return self._gateway_failure(errors.invalid_request())
        try:
            gateway_request = envelope.parse_request(request.body)
        except errors.GatewayFailure as failure:
            return self._gateway_failure(failure)
        except errors.ControlFailure as failure:
            return Response.xml(envelope.control_failure_body(None, failure))
        for function in gateway_request.functions:  # counted before any check: refused sign-ins count too
            if function.name == "getAPISession":
                self.store.count_request(VENDOR, "getAPISession")
        control = gateway_request.control
        if (control.senderid, control.password) != (self.credentials.sender_id, self.credentials.sender_password):
            return Response.xml(envelope.control_failure_body(control, errors.bad_sender()))
        if self.faults.take("company_expired", request.path):
            return Response.xml(envelope.control_failure_body(control, errors.company_expired()))
        now = self.clock()
        try:
            session = self._authenticate(gateway_request, request.path, now)
        except errors.AuthenticationFailure as failure:
            return Response.xml(self._authentication_failure_body(gateway_request, failure))
        context = _Context(request, session, now)
        outcomes = [(function, *self._run(function, context)) for function in gateway_request.functions]
        aborted = gateway_request.transaction and any(failure for _, _, failure in outcomes)
        for function, data, failure in outcomes:
            if aborted and failure is None:
                context.results.append(envelope.result(function, failure=errors.transaction_rolled_back(),
                                                       status="aborted"))
            else:
                context.results.append(envelope.result(function, data=data, failure=failure))
        return Response.xml(self._success_body(gateway_request, context))

    def fault_response(self, kind: str, status: int) -> Response | None:
        """The gateway's body for the server's generic faults: GW-0010 for 429, a CDN page for 5xx."""
        if kind == "rate_limit" or status == 429:
            return self._gateway_failure(errors.rate_limited())
        if status >= 500:
            return Response(status, _cloudflare_page(status), {"Content-Type": "text/html; charset=UTF-8",
                                                               "Server": "cloudflare"})
        return self._gateway_failure(errors.GatewayFailure(status, "GW-0011", "Invalid Request"))

    @staticmethod
    def _gateway_failure(failure: errors.GatewayFailure) -> Response:
        return Response.xml(envelope.gateway_failure_body(failure), status=failure.status)

    # -- authentication ------------------------------------------------------------------------------------
    def _authenticate(self, gateway_request: GatewayRequest, path: str, now: datetime) -> Session:
        login = gateway_request.login
        if login is None:
            if self.faults.take("expired_session", path):
                self.sessions.expire_all()
            session = self.sessions.get(gateway_request.sessionid, now)
            if session is None:
                raise errors.invalid_session()
            return session
        expected = (self.credentials.user_id, self.credentials.company_id, self.credentials.user_password)
        if (login.userid, login.companyid, login.password) != expected:
            raise errors.bad_sign_in()
        self._check_entity(login.locationid)
        return self.sessions.open(login.userid, login.companyid, login.locationid, now)

    def _check_entity(self, entity_id: str) -> None:
        if entity_id and entity_id not in self._entities():
            raise errors.unknown_entity(entity_id)

    def _entities(self) -> set[str]:
        """The company's entities: top-level locations flagged ENTITY."""
        with self.store.read() as db:
            return {row[0] for row in db.execute('SELECT "LOCATIONID" FROM "location" WHERE "ENTITY" = 1')}

    # -- functions -----------------------------------------------------------------------------------------
    def _run(self, function: Function, context: _Context) -> tuple[Data | None, errors.FunctionFailure | None]:
        """The function's data, or the failure it answers with."""
        handler = self._functions.get(function.name)
        try:
            if handler is None:
                raise errors.unknown_function(function.name)
            return handler(function, context), None
        except errors.FunctionFailure as failure:
            return None, failure

    def _get_api_session(self, function: Function, context: _Context) -> Data:
        entity_id = text(function.body, "locationid")
        if entity_id and entity_id != context.session.locationid:
            try:
                self._check_entity(entity_id)
            except errors.AuthenticationFailure as failure:
                raise errors.FunctionFailure(*failure.errors) from failure
            session = context.session
            context.session = self.sessions.open(session.userid, session.companyid, entity_id, context.now)
        api = etree.Element("api")
        leaf(api, "sessionid", context.session.sessionid)
        leaf(api, "endpoint", context.request.base_url + ENDPOINT)
        leaf(api, "locationid", context.session.locationid)
        return Data((api,))

    def _query(self, function: Function, context: _Context) -> Data:
        object_name = text(function.body, "object").upper()
        self.store.count_request(VENDOR, f"query:{object_name}")
        if object_name in self.denied_objects or self.faults.take("permission_denied", f"{ENDPOINT}/{object_name}"):
            raise errors.permission_denied(object_name)
        parsed = query.parse(function.body, self.objects)
        user = self.user_formatting
        sql = query.compile_sql(parsed, context.session.locationid, user)
        with self.store.read() as db:
            total = self._count(db, sql)
            rows = self._page(db, sql, parsed.pagesize, parsed.offset)
        count = len(rows)
        remaining = max(total - parsed.offset - count, 0)
        if self.faults.take("lying_counters", f"{ENDPOINT}/{object_name}"):
            remaining = max(remaining, 1)  # never 0: there is always one more page
            total = count  # and the query matches only the rows of this page
        fields = [(column.name, user.converter(column.type), column.type == "text") for column in parsed.fields]
        data = Data(content=envelope.records(parsed.dataset.object_name, fields, rows), attributes={
            "listtype": parsed.dataset.object_name, "totalcount": str(total), "offset": str(parsed.offset),
            "count": str(count), "numremaining": str(remaining)})
        # one list per object and order, whatever its filter: a keyset page's position is in its filter
        return self.faults.repeat_page(f"{ENDPOINT}/{object_name}", (sql.table, sql.order), data)

    def _count(self, db, sql: query.Sql) -> int:
        """Rows matching the query, counted once per query and data version (paging re-asks every page)."""
        version, key = self.store.version, sql.count()
        total = self._counts.get(version, key)
        if total is None:
            total = db.execute(*key).fetchone()[0]
            self._counts.put(version, key, total)
        return total

    def _page(self, db, sql: query.Sql, limit: int, offset: int) -> list:
        """One page of rows (each followed by its sort key, which record rendering ignores).

        Clients read page after page, so the sort key of each page's last row is remembered per query and
        data version: the next page then seeks past it instead of skipping `offset` rows.
        """
        version = self.store.version
        last_key = self._last_keys.get(version, (sql.key, offset)) if offset and sql.seekable else None
        rows = db.execute(*(sql.page_after(last_key, limit) if last_key else sql.page(limit, offset))).fetchall()
        if rows and sql.seekable:
            key = tuple(rows[-1][len(sql.columns):])
            if None not in key:  # NULL sorts first but compares as unknown: such a page is read by offset
                self._last_keys.put(version, (sql.key, offset + len(rows)), key)
        return rows

    def _lookup(self, function: Function, context: _Context) -> Data:
        self.store.count_request(VENDOR, "lookup")
        object_name = text(function.body, "object")
        definition = self.objects.get(object_name)
        if definition is None:
            raise errors.object_not_found(object_name)
        return functions.lookup(definition)

    def _read_user_formatting(self, function: Function, context: _Context) -> Data:
        self.store.count_request(VENDOR, "readUserFormatting")
        return functions.user_formatting(self.user_formatting)

    def _get_dimensions(self, function: Function, context: _Context) -> Data:
        self.store.count_request(VENDOR, "getDimensions")
        return functions.dimensions(self.objects.get("GLENTRY").dataset)

    def _balances(self, function: Function, context: _Context) -> Data:
        self.store.count_request(VENDOR, function.name)
        with self.store.read() as db:
            return balances.answer(function.name, function.body, db, context.session.locationid)

    # -- response bodies -----------------------------------------------------------------------------------
    def _authentication_block(self, session: Session) -> etree._Element:
        node = etree.Element("authentication")
        leaf(node, "status", "success")
        leaf(node, "userid", session.userid)
        leaf(node, "companyid", session.companyid)
        leaf(node, "locationid", session.locationid)
        leaf(node, "sessiontimestamp", self.user_formatting.iso_local(session.started))
        leaf(node, "sessiontimeout", self.user_formatting.iso_local(session.expires))
        return node

    def _success_body(self, gateway_request: GatewayRequest, context: _Context) -> bytes:
        return envelope.response(envelope.control_block(gateway_request.control, "success"),
                                 operation=(self._authentication_block(context.session), *context.results))

    @staticmethod
    def _authentication_failure_body(gateway_request: GatewayRequest, failure: errors.AuthenticationFailure) -> bytes:
        login = gateway_request.login
        authentication = etree.Element("authentication")
        leaf(authentication, "status", "failure")
        leaf(authentication, "userid", login.userid if login else "")
        leaf(authentication, "companyid", login.companyid if login else "")
        leaf(authentication, "locationid", login.locationid if login else "")
        return envelope.response(envelope.control_block(gateway_request.control, "success"),
                                 operation=(authentication, envelope.error_message(failure.errors)))


_NOT_FOUND_PAGE = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


def _cloudflare_page(status: int) -> bytes:
    """The HTML a client sees when Cloudflare, in front of the gateway, answers instead of Intacct."""
    titles = {502: "Bad gateway", 503: "Service unavailable", 504: "Gateway time-out",
              520: "Web server is returning an unknown error", 522: "Connection timed out",
              524: "A timeout occurred"}
    title = titles.get(status, "Error")
    return (f"<!DOCTYPE html>\n<html lang=\"en-US\"><head><title>api.intacct.com | {status}: {title}</title>"
            f"</head><body><div id=\"cf-error-details\"><h1>{title}</h1><span>Error code {status}</span>"
            f"<p>Visit <a href=\"https://www.cloudflare.com/\">cloudflare.com</a> for more information.</p>"
            f"</div></body></html>").encode()
