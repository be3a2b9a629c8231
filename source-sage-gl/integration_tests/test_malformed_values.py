"""Values exact or the read fails, against the sandbox's Intacct gateway over real HTTP (`malformed_value` fault).

Each case is one of issue 9's observations: an `AMOUNT` of `NaN`/`Inf` became null, 12345678901234567.89 was
rounded to a float, a `gmtoffset` of `+99:00` ended in "Something went wrong".
"""

from collections import defaultdict
from decimal import Decimal

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from integration_tests.conftest import sandbox_config
from source_sage_gl import SourceSageGl

STREAM = "journal_entry_lines"
BIG = "12345678901234567.89"


def _read(config, expecting_exception=False):
    catalog = CatalogBuilder().with_stream(STREAM, SyncMode.full_refresh).build()
    return read(SourceSageGl(), config, catalog, expecting_exception=expecting_exception)


def _only_error(output):
    error = output.errors[0].trace.error  # the stream's own error (the CDK adds a summary of failed streams after it)
    assert error.failure_type == FailureType.system_error and "Something went wrong" not in error.message
    return error.message


@pytest.mark.parametrize("field, value, problem", [
    ("AMOUNT", "NaN", "field AMOUNT: 'NaN' is not a finite number"),
    ("AMOUNT", "Inf", "field AMOUNT: 'Inf' is not a finite number"),
    ("TRX_AMOUNT", "abc", "field TRX_AMOUNT: 'abc' is not a number"),
    ("TR_TYPE", "1.5", "field TR_TYPE: '1.5' is not an integer"),
    ("RECORDNO", "", "GLENTRY record 1 of the page has no RECORDNO"),
    ("AMOUNT", "0.30000000000000004", "'0.30000000000000004' has more digits than DECIMAL(38,9)"),
])
def test_a_value_without_an_exact_typed_form_fails_the_read_naming_stream_record_and_field(sandbox, control, field,
                                                                                           value, problem):
    control.set_fault("malformed_value", field=field, value=value, count=1, paths=["/ia/"])

    message = _only_error(_read(sandbox_config(sandbox), expecting_exception=True))

    assert message.startswith(f"Stream {STREAM}: ") and problem in message
    assert control.faults()["fired"] == {"malformed_value": 1}


def test_a_gmtoffset_beyond_any_time_zone_fails_with_a_clear_message(sandbox, control):
    control.set_fault("malformed_value", field="gmtoffset", value="+99:00", count=1, paths=["/ia/"])

    message = _only_error(_read(sandbox_config(sandbox), expecting_exception=True))

    assert "gmtoffset '+99:00' is outside UTC-12:00 to UTC+14:00" in message and "timezone option" in message


def test_an_amount_beyond_a_double_is_emitted_with_every_digit_and_its_batch_still_balances(sandbox, control):
    [line] = control.mutate("glentry", "update", count=1, changes={"AMOUNT": BIG})

    output = _read(sandbox_config(sandbox))

    assert not output.errors
    lines = [message.record.data for message in output.records]
    changed = next(record for record in lines if record["RECORDNO"] == line)
    assert changed["AMOUNT"] == BIG and changed["TRX_AMOUNT"] == BIG
    balance = defaultdict(Decimal)
    for record in lines:
        balance[record["BATCHNO"]] += record["TR_TYPE"] * Decimal(record["AMOUNT"])
    assert balance[changed["BATCHNO"]] == 0  # the sandbox moved the difference onto another line, exactly


def test_the_wire_text_of_a_decimal_is_what_the_record_holds(sandbox, control):
    widest = "12345678901234567890.123456789"  # 29 significant digits: DECIMAL(38,9) holds it, a double does not
    control.set_fault("malformed_value", field="AMOUNT", value=widest, count=1, paths=["/ia/"])

    output = _read(sandbox_config(sandbox))

    assert [message.record.data["AMOUNT"] for message in output.records][0] == widest
