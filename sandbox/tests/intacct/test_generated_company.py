"""The emulator over the sandbox's own store and generated company (small scale)."""

from datetime import datetime, timedelta

import pytest

from conftest import Gateway, records
from sandbox.faults import Faults
from sandbox.intacct import IntacctEmulator
from sandbox.store import Store


@pytest.fixture(scope="module")
def company():
    store = Store(scale=0.2, seed=7)
    yield store
    store.close()


@pytest.fixture
def gateway(company):
    company.reset()
    return Gateway(IntacctEmulator(company, Faults(seed=1)))


def read_all(gateway, session, object_name, fields, *, pagesize, options="<showprivate>true</showprivate>",
             filter=""):
    rows, offset, requests = [], 0, 0
    while True:
        result = gateway.query(session, object_name, fields, filter=filter, options=options, pagesize=pagesize,
                               offset=offset, orderby=[("WHENMODIFIED", False), ("RECORDNO", False)])
        page = records(result)
        requests += 1
        rows += page
        data = result.find("data")
        offset += int(data.get("count"))
        if data.get("numremaining") == "0":
            return rows, requests


def test_a_paged_read_returns_exactly_what_the_vendor_holds(gateway, company):
    session = gateway.login()
    rows, requests = read_all(gateway, session, "GLENTRY", ["RECORDNO", "AMOUNT", "WHENMODIFIED"], pagesize=97)
    truth = company.truth("glentry", rows=True)
    assert sorted(int(row["RECORDNO"]) for row in rows) == sorted(row["RECORDNO"] for row in truth["rows"])
    assert requests == -(-truth["count"] // 97)
    stored = {row["RECORDNO"]: row for row in truth["rows"]}
    for row in rows:
        expected = stored[int(row["RECORDNO"])]
        assert row["AMOUNT"] == expected["AMOUNT"]
        if expected["WHENMODIFIED"] is None:
            assert row["WHENMODIFIED"] == ""
        else:
            pacific = datetime.fromisoformat(expected["WHENMODIFIED"].removesuffix("Z")) - timedelta(hours=8)
            assert row["WHENMODIFIED"] == pacific.strftime("%m/%d/%Y %H:%M:%S")
    assert company.requests.snapshot()["intacct"] == {"getAPISession": 1, "query:GLENTRY": requests}


def test_gl_lines_are_entity_private(gateway, company):
    truth = company.truth("glentry", rows=True)["rows"]
    top = gateway.login()
    assert read_all(gateway, top, "GLENTRY", ["RECORDNO"], pagesize=2000, options="")[0] == []
    east = gateway.login("US-EAST")
    east_rows, _ = read_all(gateway, east, "GLENTRY", ["RECORDNO", "MEGAENTITYID"], pagesize=2000, options="")
    assert {row["MEGAENTITYID"] for row in east_rows} == {"US-EAST"}
    assert len(east_rows) == sum(1 for row in truth if row["MEGAENTITYID"] in ("US-EAST", None))


def test_lines_created_but_never_modified_are_found_with_isnull(gateway, company):
    session = gateway.login()
    rows, _ = read_all(gateway, session, "GLENTRY", ["RECORDNO", "WHENCREATED", "WHENMODIFIED"], pagesize=500,
                       filter="<isnull><field>WHENMODIFIED</field></isnull>")
    expected = [row for row in company.truth("glentry", rows=True)["rows"] if row["WHENMODIFIED"] is None]
    assert rows and len(rows) == len(expected)
    assert all(row["WHENMODIFIED"] == "" and row["WHENCREATED"] for row in rows)


def test_counts_follow_mutations(gateway, company):
    session = gateway.login()
    fields = ["RECORDNO"]
    before = int(gateway.query(session, "GLBATCH", fields, options="<showprivate>true</showprivate>",
                               pagesize=1).find("data").get("totalcount"))
    [deleted] = company.mutate("glbatch", "delete", count=1)
    after = gateway.query(session, "GLBATCH", fields, options="<showprivate>true</showprivate>", pagesize=1)
    assert int(after.find("data").get("totalcount")) == before - 1
    audit = gateway.query(session, "AUDITHISTORY", ["OBJECTKEY", "ACCESSMODE"],
                          filter=f"<equalto><field>OBJECTKEY</field><value>{deleted}--GLBATCH</value></equalto>")
    assert records(audit) == [{"OBJECTKEY": f"{deleted}--GLBATCH", "ACCESSMODE": "D"}]


def test_gldetail_record_numbers_are_strings(gateway):
    session = gateway.login()
    result = gateway.query(session, "GLDETAIL", ["RECORDNO", "BATCHKEY"], options="<showprivate>true</showprivate>",
                           pagesize=3)
    assert all("--" in row["RECORDNO"] for row in records(result))
