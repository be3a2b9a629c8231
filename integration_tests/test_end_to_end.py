"""Sandbox → source-sage-gl and source-time-tracking (PyAirbyte) → DuckDB / PostgreSQL staging → mappings.

Runs once per staging target (see conftest.py): a first sync, sandbox changes, a second sync.
"""

from decimal import Decimal

UNTOUCHED_GL_STREAMS = ("gl_accounts", "gl_journals", "reporting_periods", "departments", "locations", "classes",
                        "projects", "customers", "vendors", "employees", "ap_bills", "ap_bill_items", "ar_invoices",
                        "ar_invoice_items", "gl_budget_items")


def test_first_sync_loads_every_stream_into_prefixed_staging_tables(scenario):
    rows = scenario.first.rows_by_stream()
    assert {connection for connection, _ in rows} == {"sage_gl", "time_harvest", "time_generic"}
    assert rows[("sage_gl", "journal_entry_lines")] == len(scenario.truth_before.glentry_ids)
    assert rows[("time_harvest", "time_entries")] == scenario.truth_before.time_totals["harvest"][0]
    assert rows[("time_generic", "time_entries")] == scenario.truth_before.time_totals["generic"][0]
    assert [sync.mode for sync in scenario.first.syncs] == ["incremental, no saved state yet"] * 3
    assert [sync.mode for sync in scenario.second.syncs] == ["incremental"] * 3


def test_every_journal_entry_balances(scenario):
    assert scenario.before.unbalanced_batches == []
    assert scenario.after.unbalanced_batches == []


def test_financial_transactions_hold_exactly_the_vendors_gl_lines(scenario):
    assert scenario.before.live_line_ids == scenario.truth_before.glentry_ids
    assert scenario.before.deleted_line_ids == set()


def test_time_entries_totals_equal_the_sandbox_truth(scenario):
    assert scenario.before.time_totals == scenario.truth_before.time_totals
    assert scenario.before.deleted_entry_ids == {}


def test_labour_cost_matches_the_payroll_posted_in_the_gl(scenario):
    # The sandbox posts each month's payroll per project as exactly sum(hours × cost rate) of its time entries.
    assert scenario.before.labour_differences == []
    assert scenario.before.labour_totals == (_time_cost(scenario.truth_before), scenario.truth_before.gl_labour)


def test_second_sync_reads_only_what_changed(scenario):
    first, second = scenario.first.rows_by_stream(), scenario.second.rows_by_stream()
    assert {stream: second[("sage_gl", stream)] for stream in UNTOUCHED_GL_STREAMS} == dict.fromkeys(UNTOUCHED_GL_STREAMS, 0)
    assert second[("sage_gl", "journal_entry_lines")] >= len(scenario.changes["glentry amount changed"])
    assert second[("sage_gl", "deleted_records")] >= 1
    assert second[("time_harvest", "time_entries")] >= 3 + 2
    assert second[("time_generic", "time_entries")] >= 3 + 2
    assert sum(second.values()) * 5 < sum(first.values())


def test_after_changes_gl_lines_equal_the_new_truth_and_deletes_are_flagged(scenario):
    after, truth = scenario.after, scenario.truth_after
    assert after.live_line_ids == truth.glentry_ids
    gone = scenario.truth_before.glentry_ids - truth.glentry_ids
    assert set(scenario.changes["glentry deleted"]) <= gone
    assert after.deleted_line_ids == gone


def test_after_changes_time_entries_equal_the_new_truth_and_deletes_are_flagged(scenario):
    after, truth = scenario.after, scenario.truth_after
    assert after.time_totals == truth.time_totals
    assert after.deleted_entry_ids == {
        "harvest": {str(entry) for entry in scenario.changes["harvest deleted"]},
        "generic": {str(entry) for entry in scenario.changes["generic deleted"]},
    }


def test_labour_cost_vs_gl_after_changes_equals_the_new_truth(scenario):
    assert scenario.after.labour_totals == (_time_cost(scenario.truth_after), scenario.truth_after.gl_labour)


def _time_cost(truth) -> Decimal:
    return sum((totals[2] for totals in truth.time_totals.values()), Decimal(0))
