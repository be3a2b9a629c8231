"""deleted_records: AUDITHISTORY deletes, on ACCESSTIME, with string IDs and no WHENCREATED pass."""

from airbyte_cdk.models import SyncMode
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of, states_of
from unit_tests.request_builder import QueryRequestBuilder, shape_of
from unit_tests.response_builder import QueryResponseBuilder

STREAM = "deleted_records"
NOW = "2026-11-25T12:00:00Z"


def _delete(audit_id: str, key: str, when: str):
    return {"ID": audit_id, "OBJECTTYPE": "glbatch", "OBJECTKEY": key, "OBJECTDESC": "Payroll accrual",
            "ACCESSMODE": "D", "ACCESSTIME": when, "USERID": "ws_user", "SOURCE": "API"}


@freeze_time(NOW)
class TestDeletedRecords:
    def test_reads_deletes_incrementally_on_accesstime(self, gateway):
        state = {STREAM: {"ACCESSTIME": "2026-11-24T00:00:00Z"}}
        page = (QueryResponseBuilder("AUDITHISTORY")
                .with_record(**_delete("A-1", "3155--GLBATCH", "11/24/2026 09:00:00"))
                .with_record(**_delete("A-2", "77--GLENTRY", "11/24/2026 09:05:00"))
                .build())
        gateway.reply("query AUDITHISTORY", page)

        output = read_streams(ConfigBuilder().build(), [STREAM], SyncMode.incremental, state)

        records = records_of(output, STREAM)
        assert [(r["ID"], r["OBJECTKEY"], r["ACCESSTIME"]) for r in records] == [
            ("A-1", "3155--GLBATCH", "2026-11-24T17:00:00Z"), ("A-2", "77--GLENTRY", "2026-11-24T17:05:00Z")]
        sent = gateway.queries("AUDITHISTORY")
        assert len(sent) == 1  # no WHENCREATED pass for the audit trail
        expected = QueryRequestBuilder("AUDITHISTORY", primary_key="ID").modified_between(
            "11/23/2026 14:00:00", "11/25/2026 04:00:00", "ACCESSTIME", "equalto(ACCESSMODE, D)")
        assert shape_of(sent[0]) == expected.shape()
        assert gateway.count("lookup AUDITHISTORY") == 0
        assert states_of(output, STREAM) == [{"ACCESSTIME": NOW}]
