"""Bills, invoices, budgets and account balances against the sandbox: exact, incremental, and tied to the GL."""

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from airbyte_cdk.models import SyncMode

from integration_tests.conftest import sandbox_config
from integration_tests.test_sandbox_sync import _final_states, _read, _records

DOCUMENT_STREAMS = {"ap_bills": ("ap_bill_items", "VENDORID", 1), "ar_invoices": ("ar_invoice_items", "CUSTOMERID", -1)}
QUERY_STREAMS = {"ap_bills": "apbill", "ap_bill_items": "apbillitem", "ar_invoices": "arinvoice",
                 "ar_invoice_items": "arinvoiceitem", "gl_budget_items": "glbudgetitem"}


def _money(value) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)  # exact decimal text


@pytest.mark.parametrize("documents", sorted(DOCUMENT_STREAMS))
def test_documents_tie_to_the_gl_batches_they_posted(sandbox, control, documents):
    items, party, item_side = DOCUMENT_STREAMS[documents]
    output = _read(sandbox_config(sandbox), [documents, items, "journal_entries", "journal_entry_lines"])
    assert not output.errors
    batches = {batch["RECORDNO"]: batch for batch in _records(output, "journal_entries")}
    lines = defaultdict(list)
    for line in _records(output, "journal_entry_lines"):
        lines[line["BATCHNO"]].append(line)
    items_of = defaultdict(list)
    for item in _records(output, items):
        items_of[item["RECORDKEY"]].append(item)
    read = _records(output, documents)
    journal = "AP" if documents == "ap_bills" else "AR"
    assert read and sorted(d["PRBATCHKEY"] for d in read) == sorted(
        number for number, batch in batches.items() if batch["JOURNAL"] == journal)
    for document in read:
        batch_lines = lines[document["PRBATCHKEY"]]
        [offset] = [line for line in batch_lines if line["TR_TYPE"] != item_side]
        assert _money(document["TOTALENTERED"]) == _money(offset["AMOUNT"])
        assert document[party] == offset[party] and document["MODULEKEY"] == batches[document["PRBATCHKEY"]]["MODULE"]
        assert sum(_money(i["AMOUNT"]) for i in items_of[document["RECORDNO"]]) == _money(document["TOTALENTERED"])
        assert sorted((i["ACCOUNTNO"], _money(i["AMOUNT"])) for i in items_of[document["RECORDNO"]]) == sorted(
            (line["ACCOUNTNO"], _money(line["AMOUNT"])) for line in batch_lines if line["TR_TYPE"] == item_side)


def test_account_balances_equal_the_sums_of_the_posted_lines(sandbox, control):
    output = _read(sandbox_config(sandbox), ["account_balances", "journal_entry_lines", "journal_entries",
                                            "gl_journals", "gl_accounts"])
    assert not output.errors
    adjustment = {journal["SYMBOL"] for journal in _records(output, "gl_journals") if journal["ADJ"]}
    journal_of = {batch["RECORDNO"]: batch["JOURNAL"] for batch in _records(output, "journal_entries")}
    income = {a["ACCOUNTNO"] for a in _records(output, "gl_accounts") if a["ACCOUNTTYPE"] == "incomestatement"}
    lines = _records(output, "journal_entry_lines")
    balances = _records(output, "account_balances")
    months = sorted({b["period_start"] for b in balances})
    assert months[0] == "2025-01-01" and len(balances) == len(months) * len(_records(output, "gl_accounts"))
    for balance in balances:
        start, end = date.fromisoformat(balance["period_start"]), date.fromisoformat(balance["period_end"])
        assert end.day == calendar.monthrange(start.year, start.month)[1]
        sums = defaultdict(Decimal)
        for line in lines:
            if line["ACCOUNTNO"] != balance["glaccountno"]:
                continue
            day, amount = date.fromisoformat(line["ENTRY_DATE"]), _money(line["AMOUNT"])
            if day < start and (line["ACCOUNTNO"] not in income or day.year == start.year):
                sums["startbalance"] += line["TR_TYPE"] * amount
            elif start <= day <= end:
                prefix = "adj" if journal_of[line["BATCHNO"]] in adjustment else ""
                sums[prefix + ("debits" if line["TR_TYPE"] == 1 else "credits")] += amount
        sums["endbalance"] = (sums["startbalance"] + sums["debits"] - sums["credits"] + sums["adjdebits"]
                              - sums["adjcredits"])
        for name in ("startbalance", "debits", "credits", "adjdebits", "adjcredits", "endbalance"):
            assert _money(balance[name]) == sums[name], (balance["glaccountno"], balance["period_start"], name)
    assert any(_money(b["debits"]) for b in balances) and any(_money(b["endbalance"]) for b in balances)


def test_account_balances_incremental_rereads_only_the_last_month(sandbox, control):
    config = sandbox_config(sandbox)
    first = _read(config, ["account_balances"], SyncMode.incremental)
    state = _final_states(first)["account_balances"]
    users_today = (datetime.now(timezone.utc) - timedelta(hours=8)).date()  # the sandbox user's clock is UTC-8
    assert state["period_start"] == users_today.replace(day=1).isoformat()
    control.clear_requests()

    second = _read(config, ["account_balances"], SyncMode.incremental, {"account_balances": state})

    assert not second.errors
    assert {r["period_start"] for r in _records(second, "account_balances")} == {state["period_start"]}
    assert control.requests()["intacct"]["get_trialbalance"] == 1


def test_incremental_document_streams_follow_inserts_updates_and_deletes(sandbox, control):
    config = sandbox_config(sandbox)
    streams = [*QUERY_STREAMS, "deleted_records"]
    first = _read(config, streams, SyncMode.incremental)
    state = _final_states(first)
    changed = {dataset: (control.mutate(dataset, "insert", count=1), control.mutate(dataset, "update", count=1))
               for dataset in QUERY_STREAMS.values()}
    deleted_bill = control.mutate("apbill", "delete", count=1)

    second = _read(config, streams, SyncMode.incremental, state)

    assert not second.errors
    deleted = {r["OBJECTKEY"] for r in _records(second, "deleted_records")}
    assert {f"{key}--APBILL" for key in deleted_bill} <= deleted
    for stream, dataset in QUERY_STREAMS.items():
        truth = {row["RECORDNO"] for row in control.truth(dataset, rows=True)["rows"]}
        inserted, updated = changed[dataset]
        gone = {int(key.split("--")[0]) for key in deleted if key.endswith(f"--{dataset.upper()}")}
        assert (set(inserted) | set(updated)) - gone <= {r["RECORDNO"] for r in _records(second, stream)}, stream
        # the union of both syncs, minus the audited deletes, is exactly what the sandbox holds
        union = {r["RECORDNO"] for r in _records(first, stream) + _records(second, stream)}
        assert union - gone == truth, stream
    assert any(key.endswith("--APBILLITEM") for key in deleted)  # a bill's items go with it
