"""Every object carries Intacct's standard fields, and its fields change as an administrator changes them."""

import pytest

from conftest import errors_of, records
from sandbox.intacct.objects import SchemaChangeError
from sandbox.intacct.standard_fields import STANDARD_FIELDS
from sandbox.schema import INTACCT


def lookup_fields(gateway, session, object_name) -> dict:
    result = gateway.call(f"<lookup><object>{object_name}</object></lookup>", session=session).find("operation/result")
    return {field.findtext("ID"): field for field in result.findall("data/Type/Fields/Field")}


@pytest.mark.parametrize("dataset", INTACCT, ids=lambda dataset: dataset.object_name)
def test_every_lookup_field_can_be_selected_and_standard_fields_without_data_answer_empty(gateway, session, dataset):
    fields = lookup_fields(gateway, session, dataset.object_name)
    assert set(fields) >= {field.name for field in STANDARD_FIELDS[dataset.object_name]}
    assert set(fields) >= {column.name for column in dataset.columns}
    every = records(gateway.query(session, dataset.object_name, list(fields),
                                  options="<showprivate>true</showprivate>", pagesize=2000))
    alone = records(gateway.query(session, dataset.object_name, [column.name for column in dataset.columns],
                                  options="<showprivate>true</showprivate>", pagesize=2000))
    unstored = set(fields) - {column.name for column in dataset.columns}
    assert len(every) == len(alone)
    for whole, stored in zip(every, alone):
        assert list(whole) == list(fields)
        assert {name: whole[name] for name in stored} == stored  # what the stored fields answer alone
        assert {whole[name] for name in unstored} <= {""}


def test_glbatch_answers_the_tax_fields_a_real_client_selects(gateway, session):
    fields = lookup_fields(gateway, session, "GLBATCH")
    assert fields["TAXIMPLICATIONS"].findtext("DATATYPE") == "ENUM"
    assert fields["TAXIMPLICATIONS"].findtext("LABEL") == "Tax implications"
    result = gateway.query(session, "GLBATCH", ["RECORDNO", "TAXIMPLICATIONS", "VATVENDORID", "VATCUSTOMERID"])
    assert result.findtext("status") == "success"


def test_a_standard_field_enabled_later_is_listed_typed_and_filled(gateway, session, emulator):
    assert "FX_GAIN" not in lookup_fields(gateway, session, "GLENTRY")
    emulator.objects.change({"object": "GLENTRY", "op": "add", "field": "FX_GAIN", "type": "decimal",
                             "custom": False, "datatype": "CURRENCY", "label": "FX gain", "copy_of": "AMOUNT"})
    field = lookup_fields(gateway, session, "GLENTRY")["FX_GAIN"]
    assert (field.findtext("DATATYPE"), field.findtext("ISCUSTOM"), field.findtext("LABEL")) == \
        ("CURRENCY", "false", "FX gain")
    lines = records(gateway.query(session, "GLENTRY", ["RECORDNO", "AMOUNT", "FX_GAIN"],
                                  filter="<lessthan><field>RECORDNO</field><value>6</value></lessthan>",
                                  options="<showprivate>true</showprivate>"))
    assert [(line["RECORDNO"], line["FX_GAIN"]) for line in lines] == \
        [("1", "100.00"), ("2", "100.00"), ("3", "25.50"), ("4", "1000.00"), ("5", "9.99")]
    # The new field filters and sorts like any other.
    big = gateway.query(session, "GLENTRY", ["RECORDNO"], options="<showprivate>true</showprivate>",
                        filter="<and><greaterthan><field>FX_GAIN</field><value>99</value></greaterthan>"
                               "<lessthan><field>RECORDNO</field><value>6</value></lessthan></and>",
                        orderby=[("FX_GAIN", True)])
    assert [record["RECORDNO"] for record in records(big)] == ["4", "1", "2"]


def test_a_custom_field_with_a_constant_and_a_removed_field(gateway, session, emulator):
    emulator.objects.change({"object": "CUSTOMER", "op": "add", "field": "REGION", "type": "text", "value": "O'Hare"})
    emulator.objects.change({"object": "GLENTRY", "op": "remove", "field": "DESCRIPTION"})
    assert lookup_fields(gateway, session, "CUSTOMER")["REGION"].findtext("ISCUSTOM") == "true"
    assert "DESCRIPTION" not in lookup_fields(gateway, session, "GLENTRY")
    result = gateway.query(session, "GLENTRY", ["RECORDNO", "DESCRIPTION"])
    assert errors_of(result) == [("Query Failed", "Field 'DESCRIPTION' is not a field of object GLENTRY")]
    emulator.reset()
    assert "REGION" not in lookup_fields(gateway, session, "CUSTOMER")
    assert "DESCRIPTION" in lookup_fields(gateway, session, "GLENTRY")


def test_a_retyped_field_answers_in_its_new_type(gateway, session, emulator):
    emulator.objects.change({"object": "GLENTRY", "op": "retype", "field": "LINE_NO", "type": "decimal"})
    emulator.objects.change({"object": "GLENTRY", "op": "retype", "field": "ENTRY_DATE", "type": "timestamp"})
    fields = lookup_fields(gateway, session, "GLENTRY")
    assert (fields["LINE_NO"].findtext("DATATYPE"), fields["ENTRY_DATE"].findtext("DATATYPE")) == \
        ("DECIMAL", "TIMESTAMP")
    lines = records(gateway.query(session, "GLENTRY", ["LINE_NO", "ENTRY_DATE"],
                                  filter="<equalto><field>RECORDNO</field><value>1</value></equalto>"))
    # Midnight UTC on March 1, in the Pacific user's time.
    assert lines == [{"LINE_NO": "1.00", "ENTRY_DATE": "02/28/2026 16:00:00"}]


def test_an_unselectable_field_is_listed_but_refused_by_query(gateway, session, emulator):
    emulator.objects.change({"object": "PROJECT", "op": "unselectable", "field": "CFDA"})
    assert "CFDA" in lookup_fields(gateway, session, "PROJECT")
    result = gateway.query(session, "PROJECT", ["RECORDNO", "CFDA"])
    assert errors_of(result) == [("Query Failed", "Field(s) CFDA of object PROJECT cannot be selected in a query")]


@pytest.mark.parametrize("change, message", [
    ({"object": "NOPE", "op": "add", "field": "X"}, "unknown object"),
    ({"object": "GLENTRY", "op": "add", "field": "AMOUNT", "type": "text"}, "already a field"),
    ({"object": "GLENTRY", "op": "add", "field": "X Y", "type": "text"}, "not a valid field name"),
    ({"object": "GLENTRY", "op": "add", "field": "X", "type": "money"}, "type must be one of"),
    ({"object": "GLENTRY", "op": "add", "field": "X", "type": "decimal", "value": "1.234"}, "more than two decimals"),
    ({"object": "GLENTRY", "op": "add", "field": "X", "copy_of": "NOPE"}, "NOPE is not a field"),
    ({"object": "GLENTRY", "op": "remove", "field": "WHENMODIFIED"}, "system field"),
    ({"object": "GLENTRY", "op": "retype", "field": "ENTRY_DATE", "type": "integer"}, "cannot change a date"),
    ({"object": "GLENTRY", "op": "rename", "field": "AMOUNT"}, "op must be one of"),
])
def test_impossible_schema_changes_are_refused_and_change_nothing(emulator, change, message):
    before = emulator.objects.describe("GLENTRY")
    with pytest.raises(SchemaChangeError, match=message):
        emulator.objects.change(change)
    assert emulator.objects.describe("GLENTRY") == before
