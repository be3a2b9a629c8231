"""discover: every stream, real types, keys and cursors, and custom fields found live with `lookup`."""

from airbyte_cdk.test.entrypoint_wrapper import discover
from freezegun import freeze_time

from source_sage_gl import SourceSageGl
from source_sage_gl.values import DECIMAL_SCHEMA
from unit_tests.config_builder import ConfigBuilder
from unit_tests.response_builder import lookup_response

EXPECTED_STREAMS = {
    "gl_accounts", "gl_journals", "reporting_periods", "journal_entries", "journal_entry_lines", "gl_details",
    "departments", "locations", "classes", "projects", "customers", "vendors", "employees", "deleted_records",
    "ap_bills", "ap_bill_items", "ar_invoices", "ar_invoice_items", "gl_budget_items", "account_balances",
}
KEYS_AND_CURSORS = {"deleted_records": ([["ID"]], ["ACCESSTIME"]),
                    "account_balances": ([["glaccountno"], ["period_start"]], ["period_start"])}


@freeze_time("2026-11-25T12:00:00Z")
class TestDiscover:
    def _catalog(self, gateway):
        output = discover(SourceSageGl(), ConfigBuilder().build())
        return {stream.name: stream for stream in output.catalog.catalog.streams}

    def test_streams_keys_cursors_and_types(self, gateway):
        streams = self._catalog(gateway)

        assert set(streams) == EXPECTED_STREAMS
        for name, stream in streams.items():
            key, cursor = KEYS_AND_CURSORS.get(name, ([["RECORDNO"]], ["WHENMODIFIED"]))
            assert stream.source_defined_primary_key == key
            assert stream.default_cursor_field == cursor
            assert cursor[0] in stream.json_schema["properties"]
        lines = streams["journal_entry_lines"].json_schema["properties"]
        assert lines["AMOUNT"] == {"description": "Base amount", **DECIMAL_SCHEMA}
        assert lines["TR_TYPE"]["type"] == ["null", "integer"]
        assert lines["ENTRY_DATE"]["format"] == "date"
        assert lines["WHENMODIFIED"]["format"] == "date-time"
        assert streams["gl_accounts"].json_schema["properties"]["REQUIREDEPT"]["type"] == ["null", "boolean"]
        assert streams["gl_details"].json_schema["properties"]["RECORDNO"]["type"] == "string"

    def test_custom_fields_added_in_intacct_appear_on_the_next_discover(self, gateway):
        assert "GLDIMSERVICE_LINE" not in self._catalog(gateway)["journal_entry_lines"].json_schema["properties"]

        gateway.reply("lookup GLENTRY", lookup_response("GLENTRY", {"GLDIMSERVICE_LINE": "TEXT", "GLDIMHOURS": "DECIMAL"}))
        properties = self._catalog(gateway)["journal_entry_lines"].json_schema["properties"]

        assert properties["GLDIMSERVICE_LINE"]["type"] == ["null", "string"]
        assert properties["GLDIMHOURS"]["type"] == ["null", "string"] and properties["GLDIMHOURS"]["airbyte_type"] == "number"

    def test_one_lookup_per_object_and_no_data_read(self, gateway):
        self._catalog(gateway)

        lookups = [sent.object_name for sent in gateway.sent if sent.function == "lookup"]
        # one per object stream; not AUDITHISTORY, and no object behind account_balances
        assert sorted(lookups) == sorted(set(lookups)) and len(lookups) == 18
        assert gateway.queries() == []
        assert gateway.count("getAPISession") == 1

    def test_standard_fields_a_company_enabled_are_typed_and_packaged_fields_it_lacks_stay_nullable(self, gateway):
        standard = {"RECORDNO": "INTEGER", "BATCHNO": "INTEGER", "TAXIMPLICATIONS": "ENUM", "BALANCE": "DECIMAL",
                    "WHENMODIFIED": "TIMESTAMP", "WHENCREATED": "TIMESTAMP", "AMOUNT_NOT_PACKAGED_DATE": "DATE"}
        gateway.reply("lookup GLBATCH", lookup_response("GLBATCH", {}, standard))
        properties = self._catalog(gateway)["journal_entries"].json_schema["properties"]

        assert properties["TAXIMPLICATIONS"] == {"description": "Taximplications", "type": ["null", "string"]}
        assert properties["BALANCE"]["type"] == ["null", "string"] and properties["BALANCE"]["airbyte_type"] == "number"
        assert properties["AMOUNT_NOT_PACKAGED_DATE"]["format"] == "date"
        assert properties["BATCHNO"]["description"] == "Transaction number"  # the packaged field as packaged
        assert properties["JOURNAL"]["type"] == ["null", "string"]  # packaged, not listed: kept, nullable
