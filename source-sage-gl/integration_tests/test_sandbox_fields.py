"""Schemas from `lookup` against the sandbox: standard fields a company enables later, removed fields, and fields
Intacct refuses to select, through discover and read over real HTTP."""

from decimal import Decimal

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import discover, read

from integration_tests.conftest import sandbox_config
from source_sage_gl import SourceSageGl


def _discover(sandbox) -> dict:
    output = discover(SourceSageGl(), sandbox_config(sandbox))
    return {stream.name: stream.json_schema["properties"] for stream in output.catalog.catalog.streams}


def _read(sandbox, stream):
    catalog = CatalogBuilder().with_stream(stream, SyncMode.full_refresh).build()
    output = read(SourceSageGl(), sandbox_config(sandbox), catalog)
    assert not output.errors
    return [message.record.data for message in output.records if message.record.stream == stream], output


def test_standard_fields_are_discovered_with_their_lookup_types(sandbox, control):
    streams = _discover(sandbox)

    assert streams["journal_entries"]["TAXIMPLICATIONS"] == {"description": "Tax implications",
                                                             "type": ["null", "string"]}
    assert streams["journal_entries"]["BALANCE"] == {"description": "Balance", "type": ["null", "string"], "airbyte_type": "number"}
    assert streams["journal_entry_lines"]["BILLABLE"] == {"description": "Billable", "type": ["null", "boolean"]}
    assert streams["journal_entry_lines"]["EXCH_RATE_DATE"]["format"] == "date"
    assert len(streams["vendors"]) > 250  # every standard field of VENDOR, not only the packaged ones


def test_a_field_enabled_later_appears_with_its_type_and_a_read_fills_it(sandbox, control):
    before = _discover(sandbox)["journal_entry_lines"]
    assert "GLDIMFUND" not in before and "GLE_FEE" not in before
    control.change_schema("GLENTRY", "add", "GLDIMFUND", type="text", label="Fund", custom=False,
                          copy_of="DEPARTMENT")
    control.change_schema("GLENTRY", "add", "GLE_FEE", type="decimal", label="Fee", value="1.25")

    after = _discover(sandbox)["journal_entry_lines"]
    assert after["GLDIMFUND"] == {"description": "Fund", "type": ["null", "string"]}
    assert after["GLE_FEE"] == {"description": "Fee (custom field)", "type": ["null", "string"],
                                "airbyte_type": "number"}

    records, _ = _read(sandbox, "journal_entry_lines")
    truth = {row["RECORDNO"]: row for row in control.truth("glentry", rows=True)["rows"]}
    assert sorted(record["RECORDNO"] for record in records) == sorted(truth)
    assert {record["RECORDNO"]: record["GLDIMFUND"] for record in records} == \
        {key: row["DEPARTMENT"] for key, row in truth.items()}
    assert any(record["GLDIMFUND"] for record in records)
    assert {record["GLE_FEE"] for record in records} == {"1.25"}  # exact decimal text


def test_removed_fields_leave_discover_or_stay_null_and_the_read_does_not_fail(sandbox, control):
    control.change_schema("GLENTRY", "remove", "GLDIMSERVICE_LINE")  # custom: leaves the schema
    control.change_schema("GLENTRY", "remove", "DESCRIPTION")  # packaged: stays, nullable, not selected

    streams = _discover(sandbox)
    assert "GLDIMSERVICE_LINE" not in streams["journal_entry_lines"]
    assert streams["journal_entry_lines"]["DESCRIPTION"]["type"] == ["null", "string"]

    records, _ = _read(sandbox, "journal_entry_lines")
    assert len(records) == control.truth("glentry")["count"]
    assert {record.get("DESCRIPTION") for record in records} == {None}
    assert all("GLDIMSERVICE_LINE" not in record for record in records)


def test_a_field_intacct_refuses_to_select_is_read_as_null_and_every_row_arrives(sandbox, control):
    control.change_schema("PROJECT", "unselectable", "CFDA")

    records, output = _read(sandbox, "projects")

    assert sorted(record["RECORDNO"] for record in records) == \
        sorted(row["RECORDNO"] for row in control.truth("project", rows=True)["rows"])
    assert {record.get("CFDA") for record in records} == {None}
    warnings = [log.log.message for log in output.logs if "refused to select CFDA" in log.log.message]
    assert len(warnings) == 1


def test_a_custom_field_widened_from_integer_to_decimal_is_discovered_and_read_as_a_number(sandbox, control):
    control.change_schema("GLENTRY", "add", "GLE_UNITS", type="integer", label="Units", copy_of="LINE_NO")
    assert _discover(sandbox)["journal_entry_lines"]["GLE_UNITS"]["type"] == ["null", "integer"]
    control.change_schema("GLENTRY", "retype", "GLE_UNITS", type="decimal")

    assert _discover(sandbox)["journal_entry_lines"]["GLE_UNITS"] == {
        "description": "Units (custom field)", "type": ["null", "string"], "airbyte_type": "number"}
    records, _ = _read(sandbox, "journal_entry_lines")
    truth = {row["RECORDNO"]: row["LINE_NO"] for row in control.truth("glentry", rows=True)["rows"]}
    assert {record["RECORDNO"]: Decimal(record["GLE_UNITS"]) for record in records} == truth
    assert all(isinstance(record["GLE_UNITS"], str) for record in records)  # exact decimal text
