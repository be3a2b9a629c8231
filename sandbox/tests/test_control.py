"""The `/_sandbox/` control endpoints over real HTTP, through `SandboxControl`."""

import hashlib

import pytest
import requests

from sandbox import SandboxControlError, running_sandbox


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(scale=0.1, seed=5) as sb:
        yield sb


@pytest.fixture(autouse=True)
def fresh(sandbox):
    sandbox.control.reset()


def generic_headers(sandbox) -> dict:
    return {"Authorization": f"Bearer {sandbox.credentials['generic']['provider']['auth']['token']}"}


def test_info_matches_the_json_line(sandbox):
    info = sandbox.control.info()
    assert {key: info[key] for key in sandbox.info} == sandbox.info
    assert info["scale"] == 0.1 and info["seed"] == 5


def test_truth_checksum_is_the_sha256_of_sorted_keys(sandbox):
    truth = sandbox.control.truth("harvest_time_entries", rows=True)
    keys = sorted(str(row["id"]) for row in truth["rows"])
    assert truth["count"] == len(keys) > 0
    assert truth["checksum"] == hashlib.sha256("\n".join(keys).encode()).hexdigest()
    hours = sum(int(row["hours"].replace(".", "")) for row in truth["rows"])
    assert truth["totals"]["hours"] == f"{hours // 100}.{hours % 100:02d}"
    assert "rows" not in sandbox.control.truth("harvest_time_entries")


def test_truth_of_the_gldetail_view_and_generic_text_keys(sandbox):
    detail = sandbox.control.truth("gldetail")
    assert detail["count"] == sandbox.control.truth("glentry")["count"]
    assert detail["totals"]["AMOUNT"] == "0.00"  # signed amounts of balanced batches
    generic = sandbox.control.truth("generic_entries", rows=True)
    assert generic["checksum"] == hashlib.sha256(
        "\n".join(sorted(row["id"] for row in generic["rows"])).encode()).hexdigest()


def test_mutate_then_reset_restores_the_seeded_data(sandbox):
    seeded = sandbox.control.truth("glentry")
    ids = sandbox.control.mutate("glbatch", "delete", count=2)
    assert len(ids) == 2
    assert sandbox.control.truth("glentry")["count"] < seeded["count"]
    sandbox.control.set_fault("status", status=503)
    requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox))
    sandbox.control.reset()
    assert sandbox.control.truth("glentry") == seeded
    assert sandbox.control.faults() == {"faults": [], "fired": {}}
    assert sandbox.control.requests() == {"total": 0, "by_path": {}}


def test_faults_over_http_use_the_vendor_body(sandbox):
    fault = sandbox.control.set_fault("status", status=524, count=1, paths=["/v1/"])
    assert fault == {"kind": "status", "rate": 1.0, "count": 1, "paths": ["/v1/"], "status": 524, "seconds": None,
                     "megabytes": None, "location": None, "field": None, "value": None}
    failed = requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox))
    assert failed.status_code == 524 and failed.headers["Content-Type"].startswith("application/json")
    assert requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox)).status_code == 200
    sandbox.control.set_fault("rate_limit")
    limited = requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert sandbox.control.clear_faults() == {"faults": [], "fired": {}}
    assert requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox)).status_code == 200


def test_redirect_fault_over_http(sandbox):
    fault = sandbox.control.set_fault("redirect", status=308, location="http://127.0.0.1:9", count=1)
    assert fault["kind"] == "redirect" and fault["status"] == 308 and fault["location"] == "http://127.0.0.1:9"
    moved = requests.get(sandbox.base_url + "/v1/entries?limit=1", headers=generic_headers(sandbox),
                         allow_redirects=False)
    assert moved.status_code == 308 and moved.headers["Location"] == "http://127.0.0.1:9/v1/entries?limit=1"
    assert requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox)).status_code == 200


def test_request_counts_and_their_reset(sandbox):
    for _ in range(3):
        requests.get(sandbox.base_url + "/v1/entries", headers=generic_headers(sandbox))
    counts = sandbox.control.requests()
    assert counts["total"] == 3 and counts["by_path"] == {"/v1/entries": 3}
    assert sandbox.control.clear_requests() == {"total": 0, "by_path": {}}


def test_schema_changes_over_http_show_in_lookup_and_reset_restores_them(sandbox):
    control = sandbox.control
    added = control.change_schema("GLBATCH", "add", "APPROVER", type="text", label="Approver", value="jdoe")
    assert (added["object"], added["op"], added["field"]) == ("GLBATCH", "add", "APPROVER")
    assert {"name": "APPROVER", "type": "text", "datatype": "TEXT", "label": "Approver", "custom": True,
            "selectable": True, "has_data": True} in added["schema"]["fields"]
    control.change_schema("GLBATCH", "remove", "REFERENCENO")
    names = [field["name"] for field in control.schema("GLBATCH")["fields"]]
    assert "APPROVER" in names and "REFERENCENO" not in names and "TAXIMPLICATIONS" in names
    with pytest.raises(SandboxControlError, match="system field") as error:
        control.change_schema("GLBATCH", "remove", "RECORDNO")
    assert error.value.status == 400
    with pytest.raises(SandboxControlError, match="unknown object") as error:
        control.schema("NOPE")
    assert error.value.status == 404
    control.reset()
    names = [field["name"] for field in control.schema("GLBATCH")["fields"]]
    assert "APPROVER" not in names and "REFERENCENO" in names


@pytest.mark.parametrize("call, status, message", [
    (lambda c: c.mutate("nope", "delete", count=1), 400, "unknown dataset"),
    (lambda c: c.mutate("customer", "update", count=1, changes={"COLOUR": "red"}), 400, "COLOUR"),
    (lambda c: c.set_fault("explode"), 400, "unknown fault kind"),
    (lambda c: c.set_fault("redirect", location="http://127.0.0.1:9/path"), 400, "origin"),
    (lambda c: c.truth("nope"), 404, "unknown dataset"),
    (lambda c: c._call("GET", "nothing-here"), 404, "no control endpoint"),
    (lambda c: c._call("GET", "reset"), 405, "not allowed"),
    (lambda c: c._call("POST", "mutate", data=b"{not json"), 400, "not JSON"),
    (lambda c: c._call("POST", "mutate", json={"dataset": "customer", "op": "delete", "colour": 1}), 400, "colour"),
    (lambda c: c._call("POST", "faults", json=["status"]), 400, "JSON object"),
    (lambda c: c.set_fault("malformed_value", value="NaN"), 400, "needs 'field'"),
    (lambda c: c.set_fault("malformed_value", field="hours"), 400, "needs 'value'"),
    (lambda c: c.set_fault("status", field="hours", value="1"), 400, "only apply to the 'malformed_value'"),
    (lambda c: c.mutate("harvest_time_entries", "update", count=1, changes={"hours": "-1.00"}), 400,
     "harvest_time_entries.hours: '-1.00' is negative"),
    (lambda c: c.mutate("generic_entries", "update", count=1, changes={"hours": -0.5}), 400, "generic_entries.hours"),
    (lambda c: c.mutate("glentry", "update", count=1, changes={"AMOUNT": "NaN"}), 400,
     "glentry.AMOUNT: 'NaN' is not a finite decimal"),
    (lambda c: c._call("POST", "mutate", data=b'{"dataset": "glentry", "op": "update", "count": 1, '
                                               b'"changes": {"AMOUNT": Infinity}}'), 400, "glentry.AMOUNT"),
])
def test_bad_control_requests_get_clear_errors(sandbox, call, status, message):
    before = sandbox.control.truth("customer")
    with pytest.raises(SandboxControlError, match=message) as error:
        call(sandbox.control)
    assert error.value.status == status
    assert sandbox.control.truth("customer") == before


def _intacct_query(sandbox, object_name: str) -> int:
    """One `query` of `object_name` signed in with the sandbox's credentials; returns its totalcount."""
    from lxml import etree

    credentials = sandbox.credentials["intacct"]
    body = (f"<request><control><senderid>{credentials['sender_id']}</senderid>"
            f"<password>{credentials['sender_password']}</password><controlid>c</controlid><uniqueid>false</uniqueid>"
            f"<dtdversion>3.0</dtdversion></control><operation><authentication><login>"
            f"<userid>{credentials['user_id']}</userid><companyid>{credentials['company_id']}</companyid>"
            f"<password>{credentials['user_password']}</password></login></authentication><content>"
            f"<function controlid='f'><query><object>{object_name}</object><select><field>RECORDNO</field></select>"
            f"<pagesize>1</pagesize></query></function></content></operation></request>")
    response = requests.post(credentials["endpoint_url"], data=body.encode(), timeout=30)
    return int(etree.fromstring(response.content).find(".//data").get("totalcount"))


def test_a_trigger_fires_its_mutation_on_the_nth_matching_request_before_answering_it(sandbox):
    control = sandbox.control
    before = control.truth("department")["count"]
    control.arm_trigger(vendor="intacct", operation="query:DEPARTMENT", nth=3,
                        mutation={"dataset": "department", "op": "insert", "count": 2})
    control.arm_trigger(vendor="intacct", operation="query:DEPARTMENT", nth=3,
                        mutation={"dataset": "department", "op": "delete", "count": 1})

    seen = [_intacct_query(sandbox, "DEPARTMENT"), _intacct_query(sandbox, "GLACCOUNT"),
            _intacct_query(sandbox, "DEPARTMENT"), _intacct_query(sandbox, "DEPARTMENT")]

    assert [seen[0], seen[2], seen[3]] == [before, before, before + 1]  # the 3rd answer already sees both writes
    inserted, deleted = control.triggers()
    assert inserted["fired"] and inserted["seen"] == 3 and len(inserted["ids"]) == 2 and inserted["error"] is None
    assert deleted["fired"] and len(deleted["ids"]) == 1
    assert _intacct_query(sandbox, "DEPARTMENT") == before + 1  # each fires once
    assert control.truth("department")["count"] == before + 1


def test_a_path_trigger_suits_every_emulator_and_reset_disarms(sandbox):
    control = sandbox.control
    before = control.truth("generic_entries")["count"]
    control.arm_trigger(path="/v1/entries", nth=2, mutation={"dataset": "generic_entries", "op": "insert", "count": 1})
    url = sandbox.info["generic"] + "/entries"

    requests.get(url, headers=generic_headers(sandbox), timeout=30)
    assert control.truth("generic_entries")["count"] == before
    requests.get(url, headers=generic_headers(sandbox), timeout=30)
    assert control.truth("generic_entries")["count"] == before + 1

    control.arm_trigger(path="/v1/entries", nth=1, mutation={"dataset": "generic_entries", "op": "insert", "count": 1})
    control.reset()
    assert control.triggers() == []
    requests.get(url, headers=generic_headers(sandbox), timeout=30)
    assert control.truth("generic_entries")["count"] == before


@pytest.mark.parametrize("payload, named", [
    ({"on": {"vendor": "intacct"}, "nth": 1, "mutation": {"dataset": "glentry", "op": "update", "count": 1}}, "operation"),
    ({"on": {"path": "v1/entries"}, "nth": 1, "mutation": {"dataset": "glentry", "op": "update", "count": 1}}, "path"),
    ({"on": {"path": "/v1/entries"}, "nth": 0, "mutation": {"dataset": "glentry", "op": "update", "count": 1}}, "nth"),
    ({"on": {"path": "/v1/entries"}, "nth": 1, "mutation": {"dataset": "nope", "op": "update"}}, "dataset"),
    ({"on": {"path": "/v1/entries"}, "nth": 1, "mutation": {"dataset": "glentry", "op": "upsert"}}, "op"),
    ({"on": {"path": "/v1/entries"}, "mutation": {"dataset": "glentry", "op": "update"}}, "nth"),
])
def test_a_malformed_trigger_is_a_400_that_arms_nothing(sandbox, payload, named):
    response = requests.post(f"{sandbox.base_url}/_sandbox/triggers", json=payload, timeout=30)

    assert response.status_code == 400 and named in response.json()["error"]
    assert sandbox.control.triggers() == []


def test_mutate_keeps_a_decimal_beyond_a_double_exact_in_truth_and_on_the_wire(sandbox):
    """`12345678901234567.89` as a JSON number in the request: stored, counted and served with every digit."""
    body = b'{"dataset": "harvest_time_entries", "op": "update", "count": 1, "changes": {"cost_rate": 12345678901234567.89}}'
    [entry_id] = sandbox.control._call("POST", "mutate", data=body, headers={"Content-Type": "application/json"})["ids"]
    rows = sandbox.control.truth("harvest_time_entries", rows=True)["rows"]
    assert next(row for row in rows if row["id"] == entry_id)["cost_rate"] == "12345678901234567.89"

    harvest = sandbox.credentials["harvest"]["provider"]
    updated_at = next(row for row in rows if row["id"] == entry_id)["updated_at"]
    served = requests.get(f"{harvest['base_url']}/time_entries", params={"updated_since": updated_at}, headers={
        "Authorization": f"Bearer {harvest['access_token']}", "Harvest-Account-Id": harvest["account_id"],
        "User-Agent": harvest["user_agent"]})
    assert served.status_code == 200 and b'"cost_rate":12345678901234567.89' in served.content.replace(b" ", b"")
