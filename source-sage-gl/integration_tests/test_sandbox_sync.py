"""The connector against the sandbox's Intacct gateway over real HTTP: exact data, incremental changes and deletes,
balanced journal entries, session expiry, faults, permissions and entity scoping."""

import hashlib
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder
from sandbox.schema import DATASETS

from integration_tests.conftest import sandbox_config
from source_sage_gl import SourceSageGl

DATASET_OF_STREAM = {
    "gl_accounts": "glaccount", "gl_journals": "gljournal", "reporting_periods": "reportingperiod",
    "journal_entries": "glbatch", "journal_entry_lines": "glentry", "gl_details": "gldetail",
    "departments": "department", "locations": "location", "classes": "class", "projects": "project",
    "customers": "customer", "vendors": "vendor", "employees": "employee", "deleted_records": "audithistory",
    "ap_bills": "apbill", "ap_bill_items": "apbillitem", "ar_invoices": "arinvoice",
    "ar_invoice_items": "arinvoiceitem", "gl_budget_items": "glbudgetitem",
}


def _read(config, streams, sync_mode=SyncMode.full_refresh, state=None, expecting_exception=False):
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, sync_mode)
    state_messages = None
    if state:
        builder = StateBuilder()
        for name, value in state.items():
            builder.with_stream_state(name, value)
        state_messages = builder.build()
    return read(SourceSageGl(), config, catalog.build(), state_messages, expecting_exception=expecting_exception)


def _records(output, stream):
    return [m.record.data for m in output.records if m.record.stream == stream]


def _final_states(output):
    return {m.state.stream.stream_descriptor.name: dict(m.state.stream.stream_state.__dict__) for m in output.state_messages}


def _storage_form(dataset, record):
    """A record as the sandbox stores the row (schema.py's storage conventions)."""
    row = {}
    for column in dataset.columns:
        value = record.get(column.name)
        if value is not None and column.type == "decimal":
            value = f"{Decimal(value):.2f}"  # exact decimal text (schema DECIMAL_SCHEMA)
        elif value is not None and column.type == "boolean":
            value = int(value)
        row[column.name] = value
    return row


def _checksum(keys):
    return hashlib.sha256("\n".join(sorted(str(key) for key in keys)).encode()).hexdigest()


def _rows_sorted(rows, key):
    return sorted(rows, key=lambda row: str(row[key]))


def test_full_refresh_returns_exactly_the_sandbox_rows(sandbox, control, user_formats):
    output = _read(sandbox_config(sandbox, page_size=25), list(DATASET_OF_STREAM))

    assert not output.errors
    for stream, dataset_name in DATASET_OF_STREAM.items():
        dataset = DATASETS[dataset_name]
        truth = control.truth(dataset_name, rows=True)
        if dataset_name == "audithistory":  # the stream reads deletes only
            truth_rows = [row for row in truth["rows"] if row["ACCESSMODE"] == "D"]
        else:
            truth_rows = truth["rows"]
            assert truth["count"] == len(truth_rows)
        records = _records(output, stream)
        read_rows = [_storage_form(dataset, record) for record in records]
        assert len(records) == len(truth_rows), stream
        assert _checksum(r[dataset.primary_key] for r in read_rows) == _checksum(r[dataset.primary_key] for r in truth_rows)
        if dataset_name != "audithistory":
            assert _checksum(r[dataset.primary_key] for r in read_rows) == truth["checksum"], stream
        assert _rows_sorted(read_rows, dataset.primary_key) == _rows_sorted(truth_rows, dataset.primary_key), stream


def test_debits_equal_credits_per_journal_entry(sandbox, control, user_formats):
    lines = _records(_read(sandbox_config(sandbox), ["journal_entry_lines"]), "journal_entry_lines")

    balance = defaultdict(Decimal)
    for line in lines:
        assert line["TR_TYPE"] in (1, -1) and Decimal(line["AMOUNT"]) >= 0
        balance[line["BATCHNO"]] += line["TR_TYPE"] * Decimal(line["AMOUNT"])
    assert balance and all(total == 0 for total in balance.values())


def test_incremental_after_inserts_updates_and_deletes(sandbox, control, user_formats):
    config = sandbox_config(sandbox)
    streams = ["journal_entries", "journal_entry_lines", "departments", "deleted_records"]
    first = _read(config, streams, SyncMode.incremental)
    state = _final_states(first)
    assert set(state) == set(streams)

    inserted = control.mutate("glentry", "insert", count=4)
    updated = control.mutate("glentry", "update", count=3)
    updated_departments = control.mutate("department", "update", count=2)
    deleted_lines = control.mutate("glentry", "delete", count=2)
    deleted_batches = control.mutate("glbatch", "delete", count=1)
    second = _read(config, streams, SyncMode.incremental, state)

    assert not second.errors
    line_ids = {r["RECORDNO"] for r in _records(second, "journal_entry_lines")}
    assert set(inserted) | set(updated) <= line_ids
    assert not (set(deleted_lines) & line_ids)
    assert set(updated_departments) <= {r["RECORDNO"] for r in _records(second, "departments")}
    deleted_keys = {r["OBJECTKEY"] for r in _records(second, "deleted_records")}
    assert {f"{i}--GLENTRY" for i in deleted_lines} <= deleted_keys
    assert {f"{i}--GLBATCH" for i in deleted_batches} <= deleted_keys
    # every delete audited since the first sync is listed, including the batch's cascaded lines
    truth_deletes = {row["OBJECTKEY"] for row in control.truth("audithistory", rows=True)["rows"]
                     if row["ACCESSMODE"] == "D" and row["ACCESSTIME"] >= state["deleted_records"]["ACCESSTIME"]}
    assert truth_deletes <= deleted_keys
    # the incremental read is small: only the lookback window, not the whole ledger
    assert len(_records(second, "journal_entry_lines")) < len(_records(first, "journal_entry_lines"))


def test_session_expiry_mid_sync_signs_in_again(sandbox, control):
    control.set_fault("expired_session", count=1)

    output = _read(sandbox_config(sandbox, page_size=10), ["journal_entry_lines"])

    assert not output.errors
    assert len(_records(output, "journal_entry_lines")) == control.truth("glentry")["count"]
    assert control.requests()["intacct"]["getAPISession"] == 2


def test_a_session_rejected_again_after_signing_in_fails_with_intacct_text(sandbox, control):
    control.set_fault("expired_session", count=2)  # the first session, then the one opened to replace it

    output = _read(sandbox_config(sandbox), ["departments"], expecting_exception=True)

    [error] = [m.trace.error for m in output.errors]  # on readUserFormatting, before any stream starts
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith("Sage Intacct rejected the API session it had just opened, on readUserFormatting: "
                                    "Invalid session (XL03000006).")
    assert "OAuth" not in error.message
    written = " ".join(m.log.message for m in output.logs) + (error.internal_message or "")
    assert "<sessionid>" not in written and "request body, not shown" in written  # request bodies never print
    assert control.requests()["intacct"]["getAPISession"] == 2


@pytest.mark.parametrize("kind, options", [
    ("rate_limit", {}),
    ("status", {"status": 503}),
    ("status", {"status": 500}),
    ("truncated", {}),
])
def test_transient_faults_are_recovered(sandbox, control, kind, options):
    control.set_fault(kind, count=1, **options)

    output = _read(sandbox_config(sandbox, page_size=30), ["journal_entry_lines"])

    assert not output.errors
    records = _records(output, "journal_entry_lines")
    assert _checksum(r["RECORDNO"] for r in records) == control.truth("glentry")["checksum"]


def test_permission_error_fails_only_the_audit_stream(sandbox, control):
    control.set_fault("permission_denied", paths=["/ia/xml/xmlgw.phtml/AUDITHISTORY"])

    output = _read(sandbox_config(sandbox), ["deleted_records", "departments"], expecting_exception=True)

    assert len(_records(output, "departments")) == control.truth("department")["count"]
    errors = [m.trace.error for m in output.errors]
    denied = [e for e in errors if e.stream_descriptor and e.stream_descriptor.name == "deleted_records"]
    assert denied and denied[0].failure_type == FailureType.config_error and "PL04000005" in denied[0].message
    assert not [e for e in errors if e.stream_descriptor and e.stream_descriptor.name == "departments"]


def test_wrong_password_fails_check_with_intacct_text(sandbox):
    import logging
    status = SourceSageGl().check(logging.getLogger("airbyte"), sandbox_config(sandbox, user_password="nope"))

    assert status.status.name == "FAILED" and "Sign-in information is incorrect" in status.message


def test_wrong_password_read_signs_in_once_prints_one_trace_and_exits_non_zero(sandbox, control, tmp_path):
    import json
    import subprocess
    import sys

    from integration_tests.conftest import CONNECTOR_ROOT

    (tmp_path / "config.json").write_text(json.dumps(sandbox_config(sandbox, user_password="wrong-password")))
    command = [sys.executable, "main.py", "read", "--config", str(tmp_path / "config.json"),
               "--catalog", str(CONNECTOR_ROOT / "integration_tests" / "configured_catalog.json")]

    result = subprocess.run(command, cwd=CONNECTOR_ROOT, capture_output=True, text=True, timeout=300)

    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert result.returncode != 0
    assert len(traces) == 1 and traces[0]["failure_type"] == "config_error"
    assert "Sign-in information is incorrect" in traces[0]["message"]
    assert control.requests()["intacct"] == {"getAPISession": 1}
    assert not [m for m in messages if m["type"] == "RECORD"]


def test_expired_company_fails_check_with_intacct_text(sandbox, control):
    import logging
    control.set_fault("company_expired")

    status = SourceSageGl().check(logging.getLogger("airbyte"), sandbox_config(sandbox))

    assert status.status.name == "FAILED"
    assert status.message == "Sage Intacct failed getAPISession: This company is a demo company and has expired. (PL04000055)"


def test_entity_session_reads_only_that_entity(sandbox, control, user_formats):
    output = _read(sandbox_config(sandbox, entity_id="US-WEST"), ["journal_entry_lines"])

    lines = _records(output, "journal_entry_lines")
    expected = [row for row in control.truth("glentry", rows=True)["rows"] if row["MEGAENTITYID"] == "US-WEST"]
    assert lines and {line["MEGAENTITYID"] for line in lines} == {"US-WEST"}
    assert sorted(line["RECORDNO"] for line in lines) == sorted(row["RECORDNO"] for row in expected)


def test_future_state_reads_nothing(sandbox, control):
    import json
    from pathlib import Path
    abnormal = json.loads((Path(__file__).parent / "abnormal_state.json").read_text())
    state = {entry["stream"]["stream_descriptor"]["name"]: entry["stream"]["stream_state"] for entry in abnormal}

    output = _read(sandbox_config(sandbox, lookback_minutes=0), list(state), SyncMode.incremental, state)

    assert not output.errors and output.records == []
    assert _final_states(output) == state  # every cursor stays in the future (WHENMODIFIED, period_start, …)


def test_discover_shows_the_custom_dimension_found_with_lookup(sandbox):
    """GLDIMSERVICE_LINE is not in the packaged schemas: it reaches the catalog only through the emulator's `lookup`.

    The emulator's custom fields are fixed by `sandbox/schema.py`, so a field added at run time is shown with the
    scripted gateway in `unit_tests/test_discover.py` instead.
    """
    from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
    from airbyte_cdk.test.entrypoint_wrapper import discover

    output = discover(SourceSageGl(), sandbox_config(sandbox))

    streams = {stream.name: stream.json_schema["properties"] for stream in output.catalog.catalog.streams}
    for stream in ("journal_entry_lines", "gl_details"):
        assert "GLDIMSERVICE_LINE" not in ResourceSchemaLoader("source_sage_gl").get_schema(stream)["properties"]
        assert streams[stream]["GLDIMSERVICE_LINE"] == {
            "description": "Service line (custom field)", "type": ["null", "string"]}


def test_a_sync_interrupted_after_any_page_loses_no_row(sandbox, control, user_formats):
    """Resuming from each STATE the first sync emitted reads every row the interrupted sync had not emitted yet,
    including the rows with an empty WHENMODIFIED (read by the created pass)."""
    config = sandbox_config(sandbox, page_size=10, lookback_minutes=0)  # no overlap to hide a gap
    full = _read(config, ["journal_entry_lines"], SyncMode.incremental)
    truth = control.truth("glentry", rows=True)["rows"]
    assert any(row["WHENMODIFIED"] is None for row in truth)  # the created pass has work to do

    emitted, checkpoints = set(), []
    for message in full.records_and_state_messages:
        if message.type.name == "RECORD":
            emitted.add(message.record.data["RECORDNO"])
        else:
            checkpoints.append((set(emitted), dict(message.state.stream.stream_state.__dict__)))
    assert len(checkpoints) > 5 and emitted == {row["RECORDNO"] for row in truth}

    for read_before, state in checkpoints[:-1]:
        resumed = _read(config, ["journal_entry_lines"], SyncMode.incremental, {"journal_entry_lines": state})
        assert read_before | {r["RECORDNO"] for r in _records(resumed, "journal_entry_lines")} == emitted, state


def test_progress_is_logged_at_info_once_per_page_with_a_summary_per_stream(sandbox, control):
    output = _read(sandbox_config(sandbox, page_size=25), ["journal_entry_lines"])

    line = re.compile(r"^journal_entry_lines: (created|modified) pass, page (\d+): (\d+) rows, (\d+) rows of this "
                      r"pass so far(?:, (\d+) still to read)?; (\d+) rows of the stream so far\.$")
    info = [m.log.message for m in output.logs if m.log.level.name == "INFO"]
    progress = [match.groups() for match in map(line.match, info) if match]
    assert len(progress) == control.requests()["intacct"]["query:GLENTRY"]  # one line per page, both passes
    total = control.truth("glentry")["count"]
    for query_pass, page, rows, pass_rows, remaining, stream_rows in progress:
        assert int(rows) <= 25 and int(pass_rows) <= int(stream_rows) <= total
        assert remaining is None or int(pass_rows) + int(remaining) <= total  # a total never below what was read
    assert progress[-1][-1] == str(total)
    [summary] = [message for message in info if message.startswith("journal_entry_lines: done, ")]
    assert summary.startswith(f"journal_entry_lines: done, {total} rows in {len(progress)} pages (created pass ")


def test_no_secret_reaches_a_log_or_an_error(sandbox, control):
    """Logs and traces of a sync with a session renewal, a denied stream, a failed check and a failed sign-in."""
    import json
    import logging
    from airbyte_cdk.models import AirbyteMessageSerializer

    config = sandbox_config(sandbox, page_size=25)
    secrets = [config["sender_password"], config["user_password"]]
    control.set_fault("expired_session", count=1)
    control.set_fault("permission_denied", paths=["/ia/xml/xmlgw.phtml/AUDITHISTORY"])
    outputs = [_read(config, ["departments", "deleted_records"], expecting_exception=True),
               _read({**config, "user_password": "wrong-but-secret"}, ["departments"], expecting_exception=True)]
    secrets.append("wrong-but-secret")

    written = [json.dumps(AirbyteMessageSerializer.dump(m)) for o in outputs for m in (*o.logs, *o.trace_messages)]
    assert any("PL04000005" in line for line in written) and any("Sign-in information" in line for line in written)
    assert not [line for line in written if any(secret in line for secret in secrets)]
    status = SourceSageGl().check(logging.getLogger("airbyte"), {**config, "sender_password": "wrong-but-secret"})
    assert status.status.name == "FAILED" and "wrong-but-secret" not in status.message


def test_a_two_digit_year_user_fails_check_and_read_before_any_query(sandbox, control):
    import logging
    control.update_settings(intacct_dateformat=".ymd")
    config = sandbox_config(sandbox)

    status = SourceSageGl().check(logging.getLogger("airbyte"), config)
    output = _read(config, list(DATASET_OF_STREAM), expecting_exception=True)

    assert status.status.name == "FAILED" and "'.ymd'" in status.message and "YY.MM.DD" in status.message
    [error] = [m.trace.error for m in output.errors]
    assert error.failure_type == FailureType.config_error and "'.ymd'" in error.message
    assert output.records == []
    assert not [key for key in control.requests()["intacct"] if key.startswith("query:")]
