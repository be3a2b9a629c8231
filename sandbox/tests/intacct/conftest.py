"""A small hand-made Intacct company in SQLite (built from schema.py) and a client for the emulator."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from sandbox.faults import Faults
from sandbox.intacct import IntacctEmulator
from sandbox.routing import Request
from sandbox.schema import INTACCT

BASE_URL = "http://127.0.0.1:8799"
ENDPOINT = "/ia/xml/xmlgw.phtml"
SENDER = ("sandbox_sender", "sandbox-sender-secret")
USER = ("ws_sandbox", "NORTHWIND-FS", "sandbox-user-secret")
PAGING_ROWS = 250  # GL lines RECORDNO 1000…1249, all shared, for paging tests

GL_LINES = [
    # Shared line modified at 23:30 Pacific on March 1 (07:30 UTC on March 2).
    dict(RECORDNO=1, BATCHNO=10, LINE_NO=1, TR_TYPE=1, ENTRY_DATE="2026-03-01", AMOUNT="100.00",
         ACCOUNTNO="6000", DESCRIPTION="Payroll March", WHENCREATED="2026-03-01T08:00:00Z",
         WHENMODIFIED="2026-03-02T07:30:00Z", GLDIMSERVICE_LINE="INSTALL", PROJECTID="P-1001"),
    # Private to US-EAST.
    dict(RECORDNO=2, BATCHNO=10, LINE_NO=2, TR_TYPE=-1, ENTRY_DATE="2026-03-01", AMOUNT="100.00",
         ACCOUNTNO="2000", DESCRIPTION="payroll accrual", WHENCREATED="2026-03-01T08:00:00Z",
         WHENMODIFIED="2026-03-02T08:00:00Z", MEGAENTITYKEY=1, MEGAENTITYID="US-EAST",
         MEGAENTITYNAME="Northwind East"),
    # Created, never modified: WHENMODIFIED is NULL; DESCRIPTION is NULL.
    dict(RECORDNO=3, BATCHNO=11, LINE_NO=1, TR_TYPE=1, ENTRY_DATE="2026-03-15", AMOUNT="25.50",
         ACCOUNTNO="6100", WHENCREATED="2026-03-15T10:00:00Z", GLDIMSERVICE_LINE="REPAIR"),
    # Private to US-WEST.
    dict(RECORDNO=4, BATCHNO=12, LINE_NO=1, TR_TYPE=-1, ENTRY_DATE="2026-04-01", AMOUNT="1000.00",
         ACCOUNTNO="4000", DESCRIPTION="Service revenue 100%", WHENCREATED="2026-04-01T12:00:00Z",
         WHENMODIFIED="2026-04-01T12:00:00Z", MEGAENTITYKEY=2, MEGAENTITYID="US-WEST",
         MEGAENTITYNAME="Northwind West"),
    dict(RECORDNO=5, BATCHNO=12, LINE_NO=2, TR_TYPE=1, ENTRY_DATE="2026-04-15", AMOUNT="9.99",
         ACCOUNTNO="6000", DESCRIPTION="Fuel_card <&> \"bay\"", WHENCREATED="2026-04-15T00:00:00Z",
         WHENMODIFIED="2026-04-15T00:00:00Z", PROJECTID="P-1002"),
]
LOCATIONS = [
    dict(RECORDNO=1, LOCATIONID="US-EAST", NAME="Northwind East", ENTITY=1, STATUS="active"),
    dict(RECORDNO=2, LOCATIONID="US-WEST", NAME="Northwind West", ENTITY=1, STATUS="active"),
    dict(RECORDNO=3, LOCATIONID="NYC", NAME="New York depot", PARENTID="US-EAST", ENTITY=0,
         STATUS="active", MEGAENTITYKEY=1, MEGAENTITYID="US-EAST"),
]
AUDIT = [
    dict(ID="a-1", OBJECTTYPE="glbatch", OBJECTKEY="13--GLBATCH", ACCESSMODE="D",
         ACCESSTIME="2026-05-01T10:00:00Z", USERID="admin", SOURCE="UI"),
]
GL_DETAIL = [
    dict(RECORDNO="3220-55186-27290--accrual", BATCHKEY=10, GLENTRYKEY=1, AMOUNT="100.00",
         WHENMODIFIED="2026-03-02T07:30:00Z"),
]


def paging_rows() -> list[dict]:
    start = datetime(2026, 6, 1, tzinfo=timezone.utc)
    return [dict(RECORDNO=1000 + n, BATCHNO=500 + n // 4, LINE_NO=n % 4 + 1, TR_TYPE=1, ENTRY_DATE="2026-06-01",
                 AMOUNT=f"{n}.00", ACCOUNTNO="6000", DESCRIPTION=f"line {n}",
                 WHENCREATED="2026-06-01T00:00:00Z",
                 # every 7th row shares a timestamp with its neighbour: ties must not break paging
                 WHENMODIFIED=(start + timedelta(minutes=n - n % 7)).strftime("%Y-%m-%dT%H:%M:%SZ"))
            for n in range(PAGING_ROWS)]


def build_database(path) -> None:
    """One table per Intacct dataset (columns and storage types from schema.py) with the rows above."""
    types = {"integer": "INTEGER", "boolean": "INTEGER"}
    data = {"glentry": GL_LINES + paging_rows(), "location": LOCATIONS, "audithistory": AUDIT,
            "gldetail": GL_DETAIL}
    with sqlite3.connect(path) as db:
        for dataset in INTACCT:
            columns = ", ".join(f'"{c.name}" {types.get(c.type, "TEXT")}' for c in dataset.columns)
            db.execute(f'CREATE TABLE "{dataset.name}" ({columns})')
            for row in data.get(dataset.name, []):
                names = [c.name for c in dataset.columns]
                db.execute(f'INSERT INTO "{dataset.name}" VALUES ({", ".join("?" * len(names))})',
                           [row.get(name) for name in names])


class FixtureStore:
    """The part of the sandbox store the emulator uses, over the hand-made database."""

    def __init__(self, path):
        self.path = path
        self.version = 1
        self.requests: Counter[str] = Counter()

    @contextmanager
    def read(self):
        db = sqlite3.connect(self.path)
        try:
            yield db
        finally:
            db.close()

    def count_request(self, vendor: str, key: str) -> None:
        assert vendor == "intacct"
        self.requests[key] += 1


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 20, 17, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


class Gateway:
    """Builds gateway requests, calls `handle` directly and parses the XML answers."""

    def __init__(self, emulator: IntacctEmulator):
        self.emulator = emulator

    def post(self, body: bytes | str, method: str = "POST", path: str = ENDPOINT):
        raw = body.encode() if isinstance(body, str) else body
        response = self.emulator.handle(Request.build(method, path, {"Content-Type": "application/xml"}, raw,
                                                      base_url=BASE_URL))
        return response

    def call(self, *functions: str, session: str | None = None, login: tuple | None = USER,
             locationid: str = "", sender: tuple = SENDER, transaction: bool = False):
        """POST one request; returns the parsed <response> (asserting HTTP 200 and the content type)."""
        if session is not None:
            auth = f"<sessionid>{session}</sessionid>"
        else:
            userid, companyid, password = login
            location = f"<locationid>{locationid}</locationid>" if locationid else ""
            auth = (f"<login><userid>{userid}</userid><companyid>{companyid}</companyid>"
                    f"<password>{password}</password>{location}</login>")
        content = "".join(f'<function controlid="f{n}">{body}</function>' for n, body in enumerate(functions))
        operation = '<operation transaction="true">' if transaction else "<operation>"
        body = (f'<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>{sender[0]}</senderid>'
                f"<password>{sender[1]}</password><controlid>ctl-1</controlid><uniqueid>false</uniqueid>"
                f"<dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control>"
                f"{operation}<authentication>{auth}</authentication><content>{content}</content>"
                f"</operation></request>")
        response = self.post(body)
        self.last_body = response.body
        assert response.status == 200
        assert response.headers["Content-Type"] == 'text/xml; encoding="UTF-8";charset=UTF-8'
        return etree.fromstring(response.body)

    def login(self, locationid: str = "") -> str:
        root = self.call("<getAPISession/>", locationid=locationid)
        return root.findtext("operation/result/data/api/sessionid")

    def query(self, session: str, object_name: str, fields, *, filter: str = "", orderby=(), options: str = "",
              pagesize: int | None = None, offset: int | None = None):
        """Run one query; returns its <result>."""
        parts = [f"<object>{object_name}</object>",
                 "<select>" + "".join(f"<field>{f}</field>" for f in fields) + "</select>"]
        if filter:
            parts.append(f"<filter>{filter}</filter>")
        if orderby:
            parts.append("<orderby>" + "".join(
                f"<order><field>{f}</field><{'descending' if desc else 'ascending'}/></order>"
                for f, desc in orderby) + "</orderby>")
        if options:
            parts.append(f"<options>{options}</options>")
        if pagesize is not None:
            parts.append(f"<pagesize>{pagesize}</pagesize>")
        if offset is not None:
            parts.append(f"<offset>{offset}</offset>")
        return self.call(f"<query>{''.join(parts)}</query>", session=session).find("operation/result")


def records(result) -> list[dict]:
    """The records of a successful query result as dicts of strings."""
    assert result.findtext("status") == "success", etree.tostring(result)
    data = result.find("data")
    return [{child.tag: child.text or "" for child in record} for record in data]


def recordnos(result) -> list[int]:
    return [int(record["RECORDNO"]) for record in records(result)]


def errors_of(node) -> list[tuple[str, str]]:
    return [(error.findtext("errorno"), error.findtext("description2"))
            for error in node.findall("errormessage/error")]


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("intacct") / "template.sqlite"
    build_database(path)
    return path


@pytest.fixture
def store(tmp_path, database_template):
    path = tmp_path / "intacct.sqlite"
    shutil.copyfile(database_template, path)
    return FixtureStore(path)


@pytest.fixture
def faults():
    return Faults(seed=1)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def emulator(store, faults, clock):
    return IntacctEmulator(store, faults, clock=clock)


@pytest.fixture
def gateway(emulator):
    return Gateway(emulator)


@pytest.fixture
def session(gateway):
    return gateway.login()
