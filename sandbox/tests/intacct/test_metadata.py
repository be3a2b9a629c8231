"""`readUserFormatting`, `lookup` and `getDimensions`."""

from datetime import datetime

from conftest import errors_of


def test_read_user_formatting_reports_the_pacific_offset(gateway, session, store):
    result = gateway.call("<readUserFormatting><key>1</key></readUserFormatting>", session=session)\
        .find("operation/result")
    formatting = result.find("data/userformatting")
    assert {child.tag: child.text for child in formatting} == {
        "locale": "en_US", "dateformat": "/mdY", "gmtoffset": "-08:00", "clock": "24"}
    # The shape Estuary's connector parses: the offset reads with %z.
    assert datetime.strptime(formatting.findtext("gmtoffset"), "%z").utcoffset().total_seconds() == -8 * 3600
    assert store.requests["readUserFormatting"] == 1


def test_lookup_lists_every_field_with_its_type_and_the_custom_dimension(gateway, session, store):
    result = gateway.call("<lookup><object>GLENTRY</object></lookup>", session=session).find("operation/result")
    data = result.find("data")
    assert (data.get("listtype"), data.get("count")) == ("All", "1")
    type_node = data.find("Type")
    assert type_node.get("Name") == "GLENTRY"
    fields = {f.findtext("ID"): f for f in type_node.findall("Fields/Field")}
    assert [child.tag for child in fields["RECORDNO"]] == ["ID", "LABEL", "DESCRIPTION", "REQUIRED", "READONLY",
                                                          "DATATYPE", "ISCUSTOM"]
    types = {name: field.findtext("DATATYPE") for name, field in fields.items()}
    assert (types["RECORDNO"], types["AMOUNT"], types["ENTRY_DATE"], types["WHENMODIFIED"], types["ACCOUNTNO"]) == \
        ("INTEGER", "DECIMAL", "DATE", "TIMESTAMP", "TEXT")
    assert fields["GLDIMSERVICE_LINE"].findtext("ISCUSTOM") == "true"
    assert fields["GLDIMSERVICE_LINE"].findtext("LABEL") == "Service line"
    assert fields["AMOUNT"].findtext("ISCUSTOM") == "false"
    assert fields["RECORDNO"].findtext("READONLY") == "true" and fields["AMOUNT"].findtext("READONLY") == "false"
    relationships = {r.findtext("OBJECTNAME"): r.findtext("RELATEDBY")
                     for r in type_node.findall("Relationships/Relationship")}
    assert relationships["GLBATCH"] == "BATCHNO" and relationships["GLACCOUNT"] == "ACCOUNTNO"
    assert relationships["SERVICE_LINE"] == "GLDIMSERVICE_LINE"
    assert store.requests["lookup"] == 1


def test_lookup_of_booleans_and_unknown_objects(gateway, session):
    root = gateway.call("<lookup><object>glaccount</object></lookup>", "<lookup><object>NOPE</object></lookup>",
                        session=session)
    ok, missing = root.findall("operation/result")
    fields = {f.findtext("ID"): f.findtext("DATATYPE") for f in ok.findall("data/Type/Fields/Field")}
    assert fields["REQUIREDEPT"] == "BOOLEAN"
    assert errors_of(missing) == [("Query Failed", "Object definition NOPE not found")]


def test_get_dimensions_lists_the_user_defined_service_line(gateway, session):
    result = gateway.call("<getDimensions/>", session=session).find("operation/result")
    dimensions = {d.findtext("objectName"): (d.findtext("userDefinedDimension"), d.findtext("enabledInGL"))
                  for d in result.findall("data/dimensions/dimension")}
    assert dimensions["SERVICE_LINE"] == ("true", "true")
    assert dimensions["DEPARTMENT"] == ("false", "true")
    assert dimensions["PROJECT"] == ("false", "true")
