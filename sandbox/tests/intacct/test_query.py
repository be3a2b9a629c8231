"""The `query` function: operators, nesting, order, paging, rendering, time zone, entities, errors."""

import pytest

from conftest import PAGING_ROWS, errors_of, recordnos, records

SHARED_HANDMADE = [1, 3, 5]  # the hand-made lines a top-level session sees without showprivate
HANDMADE = "<lessthan><field>RECORDNO</field><value>1000</value></lessthan>"


def q(gateway, session, filter, fields=("RECORDNO",), **kwargs):
    return gateway.query(session, "GLENTRY", fields, filter=filter, **kwargs)


@pytest.mark.parametrize("condition, expected", [
    ("<equalto><field>ACCOUNTNO</field><value>6000</value></equalto>", [1, 5]),
    ("<notequalto><field>ACCOUNTNO</field><value>6000</value></notequalto>", [3]),
    ("<lessthan><field>AMOUNT</field><value>25.5</value></lessthan>", [5]),
    ("<lessthanorequalto><field>AMOUNT</field><value>25.5</value></lessthanorequalto>", [3, 5]),
    ("<greaterthan><field>AMOUNT</field><value>25.5</value></greaterthan>", [1]),
    ("<greaterthanorequalto><field>AMOUNT</field><value>25.50</value></greaterthanorequalto>", [1, 3]),
    ("<between><field>ENTRY_DATE</field><value>03/01/2026</value><value>03/31/2026</value></between>", [1, 3]),
    ("<in><field>ACCOUNTNO</field><value>6100</value><value>4000</value><value>6000</value></in>", [1, 3, 5]),
    ("<notin><field>ACCOUNTNO</field><value>6100</value></notin>", [1, 5]),
    ("<like><field>DESCRIPTION</field><value>Pay%</value></like>", [1]),
    ("<like><field>DESCRIPTION</field><value>%\\_card%</value></like>", []),  # no escapes: _ is one char
    ("<like><field>DESCRIPTION</field><value>Fuel_card%</value></like>", [5]),
    ("<notlike><field>DESCRIPTION</field><value>Pay%</value></notlike>", [5]),
    ("<isnull><field>WHENMODIFIED</field></isnull>", [3]),
    ("<isnotnull><field>DESCRIPTION</field></isnotnull>", [1, 5]),
    ("<equalto><field>GLDIMSERVICE_LINE</field><value>REPAIR</value></equalto>", [3]),
    ("<equalto><field>TR_TYPE</field><value>-1</value></equalto>", []),
])
def test_each_operator(gateway, session, condition, expected):
    result = q(gateway, session, f"<and>{HANDMADE}{condition}</and>")
    assert recordnos(result) == expected


def test_and_or_nest(gateway, session):
    condition = ("<or>"
                 "<and><equalto><field>ACCOUNTNO</field><value>6000</value></equalto>"
                 "<greaterthan><field>AMOUNT</field><value>50</value></greaterthan></and>"
                 "<and><isnull><field>WHENMODIFIED</field></isnull>"
                 "<or><equalto><field>LINE_NO</field><value>1</value></equalto>"
                 "<equalto><field>LINE_NO</field><value>9</value></equalto></or></and>"
                 "</or>")
    assert recordnos(q(gateway, session, f"<and>{HANDMADE}{condition}</and>")) == [1, 3]


def test_like_is_case_sensitive_unless_caseinsensitive(gateway, session):
    condition = f"<and>{HANDMADE}<like><field>DESCRIPTION</field><value>payroll%</value></like></and>"
    assert recordnos(q(gateway, session, condition)) == []
    options = "<caseinsensitive>true</caseinsensitive>"
    assert recordnos(q(gateway, session, condition, options=options)) == [1]
    equal = f"<and>{HANDMADE}<equalto><field>DESCRIPTION</field><value>PAYROLL MARCH</value></equalto></and>"
    assert recordnos(q(gateway, session, equal)) == []
    assert recordnos(q(gateway, session, equal, options=options)) == [1]


def test_orderby_several_keys_ascending_and_descending(gateway, session):
    result = q(gateway, session, HANDMADE, orderby=[("ACCOUNTNO", True), ("AMOUNT", False)])
    # ACCOUNTNO descending: 6100 (3), 6000 (5: 9.99, 1: 100.00 by AMOUNT ascending as a number)
    assert recordnos(result) == [3, 5, 1]
    by_amount = q(gateway, session, HANDMADE, orderby=[("AMOUNT", True)])
    assert recordnos(by_amount) == [1, 3, 5]  # 100.00 > 25.50 > 9.99: numbers, not text


def test_children_of_query_in_any_order(gateway, session):
    body = ("<query><pagesize>2</pagesize><filter>" + HANDMADE + "</filter><orderby><order><field>RECORDNO</field>"
            "<descending/></order></orderby><select><field>RECORDNO</field></select><offset>0</offset>"
            "<object>GLENTRY</object></query>")
    result = gateway.call(body, session=session).find("operation/result")
    assert recordnos(result) == [5, 3]


def test_values_are_strings_in_intacct_formats_and_null_is_an_empty_element(gateway, session):
    fields = ("RECORDNO", "TR_TYPE", "ENTRY_DATE", "AMOUNT", "DESCRIPTION", "WHENCREATED", "WHENMODIFIED",
              "MEGAENTITYID", "GLDIMSERVICE_LINE")
    result = q(gateway, session, f"<and>{HANDMADE}<in><field>RECORDNO</field><value>1</value><value>3</value>"
                                 "</in></and>", fields=fields)
    rows = records(result)
    assert rows[0] == {"RECORDNO": "1", "TR_TYPE": "1", "ENTRY_DATE": "03/01/2026", "AMOUNT": "100.00",
                       "DESCRIPTION": "Payroll March", "WHENCREATED": "03/01/2026 00:00:00",
                       "WHENMODIFIED": "03/01/2026 23:30:00", "MEGAENTITYID": "", "GLDIMSERVICE_LINE": "INSTALL"}
    assert rows[1]["WHENMODIFIED"] == "" and rows[1]["DESCRIPTION"] == ""
    # Fields come in the order of <select>; empty values are written <X></X> as Intacct does.
    assert [child.tag for child in result.find("data")[1]] == list(fields)
    assert b"<DESCRIPTION></DESCRIPTION>" in gateway.last_body and b"<DESCRIPTION/>" not in gateway.last_body


def test_special_characters_are_escaped(gateway, session):
    result = q(gateway, session, "<equalto><field>RECORDNO</field><value>5</value></equalto>",
               fields=("DESCRIPTION",))
    assert records(result) == [{"DESCRIPTION": 'Fuel_card <&> "bay"'}]


def test_timestamp_filter_values_are_in_the_users_time_zone(gateway, session):
    # Line 1 was modified at 2026-03-02 07:30 UTC = 03/01/2026 23:30:00 for the UTC-8 user.
    def matches(op, value):
        return recordnos(q(gateway, session, f"<and>{HANDMADE}<{op}><field>WHENMODIFIED</field>"
                                             f"<value>{value}</value></{op}></and>"))
    assert matches("equalto", "03/01/2026 23:30:00") == [1]
    assert matches("equalto", "03/02/2026 07:30:00") == []  # the UTC wall time does not match
    assert matches("lessthan", "03/01/2026 23:30:01") == [1]
    assert matches("greaterthan", "03/01/2026 23:29:59") == [1, 5]


def test_date_values_and_bad_values(gateway, session):
    result = q(gateway, session, f"<and>{HANDMADE}<equalto><field>ENTRY_DATE</field><value>04/15/2026</value>"
                                 "</equalto></and>")
    assert recordnos(result) == [5]
    bad = q(gateway, session, "<and><equalto><field>ENTRY_DATE</field><value>2026-04-15</value></equalto>"
                              "<equalto><field>RECORDNO</field><value>one</value></equalto></and>")
    assert bad.findtext("status") == "failure"
    assert [e[1] for e in errors_of(bad)] == ["Invalid value '2026-04-15' for field ENTRY_DATE of type DATE",
                                              "Invalid value 'one' for field RECORDNO of type INTEGER"]


def test_a_page_of_one_record_has_a_single_child(gateway, session):
    result = q(gateway, session, "<equalto><field>RECORDNO</field><value>3</value></equalto>")
    data = result.find("data")
    assert dict(data.attrib) == {"listtype": "GLENTRY", "totalcount": "1", "offset": "0", "count": "1",
                                 "numremaining": "0"}
    assert len(data) == 1 and data[0].tag == "GLENTRY"


def test_empty_result(gateway, session):
    data = q(gateway, session, "<equalto><field>RECORDNO</field><value>999</value></equalto>").find("data")
    assert dict(data.attrib) == {"listtype": "GLENTRY", "totalcount": "0", "offset": "0", "count": "0",
                                 "numremaining": "0"}
    assert len(data) == 0


def test_offset_paging_reads_every_row_once(gateway, session, store):
    paging = "<greaterthanorequalto><field>RECORDNO</field><value>1000</value></greaterthanorequalto>"
    seen, offset, pages = [], 0, []
    while True:
        result = q(gateway, session, paging, fields=("RECORDNO", "WHENMODIFIED"), pagesize=40, offset=offset,
                   orderby=[("WHENMODIFIED", False)])
        data = result.find("data")
        attrs = {key: int(data.get(key)) for key in ("totalcount", "offset", "count", "numremaining")}
        pages.append(attrs)
        seen += recordnos(result)
        offset += attrs["count"]
        if attrs["numremaining"] == 0:
            break
    assert len(pages) == 7
    assert all(page["totalcount"] == PAGING_ROWS for page in pages)
    assert [page["numremaining"] for page in pages] == [210, 170, 130, 90, 50, 10, 0]
    assert pages[-1]["count"] == 10
    assert sorted(seen) == list(range(1000, 1000 + PAGING_ROWS)) and len(seen) == len(set(seen))
    assert store.requests["query:GLENTRY"] == 7


def test_default_pagesize_is_100(gateway, session):
    result = gateway.query(session, "GLENTRY", ["RECORDNO"])
    data = result.find("data")
    assert (data.get("count"), data.get("totalcount")) == ("100", str(3 + PAGING_ROWS))


@pytest.mark.parametrize("pagesize", ["0", "2001", "ten"])
def test_pagesize_out_of_range_is_an_error(gateway, session, pagesize):
    body = f"<query><object>GLENTRY</object><select><field>RECORDNO</field></select><pagesize>{pagesize}" \
           "</pagesize></query>"
    result = gateway.call(body, session=session).find("operation/result")
    assert result.findtext("status") == "failure"
    assert errors_of(result) == [("Query Failed", f"pagesize must be an integer between 1 and 2000, got '{pagesize}'")]


def test_pagesize_2000_is_allowed(gateway, session):
    assert len(records(gateway.query(session, "GLENTRY", ["RECORDNO"], pagesize=2000))) == 3 + PAGING_ROWS


def test_unknown_object(gateway, session, store):
    result = gateway.query(session, "BADOBJECT", ["RECORDNO"])
    assert result.findtext("status") == "failure"
    assert errors_of(result) == [("Query Failed", "Object definition BADOBJECT not found")]


def test_unknown_fields_give_one_error_each(gateway, session):
    result = gateway.query(session, "GLENTRY", ["RECORDNO", "NOPE", "*"],
                           filter="<equalto><field>ALSO_NOPE</field><value>1</value></equalto>")
    assert result.findtext("status") == "failure"
    assert [text for _, text in errors_of(result)] == [
        "Field 'NOPE' is not a field of object GLENTRY", "Field '*' is not a field of object GLENTRY",
        "Field 'ALSO_NOPE' is not a field of object GLENTRY"]


def test_select_is_required(gateway, session):
    result = gateway.call("<query><object>GLENTRY</object></query>", session=session).find("operation/result")
    assert errors_of(result) == [("Query Failed", "select needs at least one field (there is no '*')")]


def test_entity_private_rows_need_showprivate_at_the_top_level(gateway, session):
    assert recordnos(q(gateway, session, HANDMADE)) == SHARED_HANDMADE
    assert recordnos(q(gateway, session, HANDMADE, options="<showprivate>true</showprivate>")) == [1, 2, 3, 4, 5]


def test_an_entity_session_sees_its_own_and_shared_rows(gateway):
    east = gateway.login("US-EAST")
    assert recordnos(q(gateway, east, HANDMADE)) == [1, 2, 3, 5]
    west = gateway.login("US-WEST")
    assert recordnos(q(gateway, west, HANDMADE, options="<showprivate>true</showprivate>")) == [1, 3, 4, 5]


def test_gldetail_keys_are_strings(gateway, session):
    result = gateway.query(session, "GLDETAIL", ["RECORDNO", "AMOUNT"])
    assert records(result) == [{"RECORDNO": "3220-55186-27290--accrual", "AMOUNT": "100.00"}]


def test_audithistory_is_queryable_until_the_permission_is_withdrawn(gateway, emulator, session, store):
    filter = ("<and><equalto><field>OBJECTTYPE</field><value>glbatch</value></equalto>"
              "<equalto><field>ACCESSMODE</field><value>D</value></equalto></and>")
    result = gateway.query(session, "AUDITHISTORY", ["ID", "OBJECTKEY", "ACCESSTIME"], filter=filter)
    assert records(result) == [{"ID": "a-1", "OBJECTKEY": "13--GLBATCH", "ACCESSTIME": "05/01/2026 02:00:00"}]
    emulator.denied_objects.add("AUDITHISTORY")
    denied = gateway.query(session, "AUDITHISTORY", ["ID"], filter=filter)
    assert denied.findtext("status") == "failure"
    [(errorno, text)] = errors_of(denied)
    assert errorno == "PL04000005" and "permission" in text and "audithistory" in text
    assert store.requests["query:AUDITHISTORY"] == 2


def test_count_is_cached_per_query_and_data_version(gateway, session, store):
    store_counts = []
    paging = "<greaterthanorequalto><field>RECORDNO</field><value>1000</value></greaterthanorequalto>"
    first = q(gateway, session, paging, pagesize=10).find("data").get("totalcount")
    with store.read() as db:
        db.execute("DELETE FROM glentry WHERE RECORDNO = 1000")
        db.commit()
    cached = q(gateway, session, paging, pagesize=10, offset=10).find("data").get("totalcount")
    store.version += 1
    fresh = q(gateway, session, paging, pagesize=10, offset=10).find("data").get("totalcount")
    store_counts += [first, cached, fresh]
    assert store_counts == [str(PAGING_ROWS), str(PAGING_ROWS), str(PAGING_ROWS - 1)]


def test_permission_denied_fault_names_the_object_in_its_path(gateway, faults, session, monkeypatch):
    # The fault kind belongs to the core's fault switches; allow it here so the emulator's side is tested.
    import sandbox.faults
    monkeypatch.setattr(sandbox.faults, "KINDS", (*sandbox.faults.KINDS, "permission_denied"))
    faults.set("permission_denied", paths=["/ia/xml/xmlgw.phtml/AUDITHISTORY"])
    assert errors_of(gateway.query(session, "AUDITHISTORY", ["ID"]))[0][0] == "PL04000005"
    assert gateway.query(session, "GLACCOUNT", ["RECORDNO"]).findtext("status") == "success"


_PAGING = "<greaterthanorequalto><field>RECORDNO</field><value>1000</value></greaterthanorequalto>"


def test_lying_counters_fault_never_reports_zero_remaining(gateway, session, faults):
    faults.set("lying_counters", paths=["/ia/xml/xmlgw.phtml/GLENTRY"])
    past_the_end = q(gateway, session, _PAGING, pagesize=100, offset=PAGING_ROWS).find("data")
    assert (past_the_end.get("count"), past_the_end.get("numremaining")) == ("0", "1")
    first = q(gateway, session, _PAGING, pagesize=40, offset=0).find("data")
    assert (first.get("count"), first.get("totalcount")) == ("40", "40")  # the total claims only this page


def test_repeat_page_fault_repeats_across_keyset_filters_of_the_same_object_and_order(gateway, session, faults):
    faults.set("repeat_page", count=1)
    order = [("RECORDNO", False)]
    first = recordnos(q(gateway, session, _PAGING, pagesize=40, orderby=order))
    after_first = "<greaterthan><field>RECORDNO</field><value>1039</value></greaterthan>"
    again = recordnos(q(gateway, session, after_first, pagesize=40, orderby=order))
    assert again == first == list(range(1000, 1040))
    assert recordnos(q(gateway, session, after_first, pagesize=40, orderby=order)) == list(range(1040, 1080))


def test_repeat_page_fault_answers_the_previous_page_of_the_same_query(gateway, session, faults):
    faults.set("repeat_page", count=1)
    first = recordnos(q(gateway, session, _PAGING, pagesize=40, offset=0, orderby=[("RECORDNO", False)]))
    again = recordnos(q(gateway, session, _PAGING, pagesize=40, offset=40, orderby=[("RECORDNO", False)]))
    after = recordnos(q(gateway, session, _PAGING, pagesize=40, offset=40, orderby=[("RECORDNO", False)]))
    assert again == first == list(range(1000, 1040))
    assert after == list(range(1040, 1080))  # count 1: the next page is answered again
