"""A query page's records are converted while its answer is parsed, never held as one whole tree."""

from datetime import timezone

from lxml import etree

from source_sage_gl.values import IntacctClock, IntacctValueError, RecordParser
from source_sage_gl.xml_envelope import parse_response
from unit_tests.response_builder import QueryResponseBuilder

PAGE_ROWS = 3000  # about 2 MB of XML: thirty parse chunks
SCHEMA = {"RECORDNO": {"type": "integer"}, "AMOUNT": {"type": ["null", "string"], "airbyte_type": "number"},
          "WHENMODIFIED": {"type": ["null", "string"], "format": "date-time"}}


def page(rows: int = PAGE_ROWS, bad_row: int = 0) -> bytes:
    builder = QueryResponseBuilder().with_pagination(total=rows + 500)
    for number in range(1, rows + 1):
        builder.with_record(RECORDNO=str(number), AMOUNT="oops" if number == bad_row else f"{number}.25",
                            DESCRIPTION=f"line {number} " + "x" * 400)
    return builder.build()


def parser() -> RecordParser:
    return RecordParser(SCHEMA, IntacctClock(timezone.utc), primary_key="RECORDNO")


def test_records_are_those_of_the_whole_tree_and_the_tree_never_holds_the_page():
    body = page()
    whole = etree.fromstring(body).find("operation/result/data")
    expected = [parser().parse(element, position) for position, element in enumerate(whole, start=1)]
    convert, largest = parser().parse, [0]

    def converting(element, position):
        largest[0] = max(largest[0], len(element.getparent()))  # the records the tree holds right now
        return convert(element, position)

    document = parse_response(body, converting)

    result = document.results[0]
    assert result.ok and result.record_error is None
    assert result.records == expected and len(expected) == PAGE_ROWS
    assert result.data.get("totalcount") == str(PAGE_ROWS + 500) and len(result.data) == 0
    assert 0 < largest[0] < PAGE_ROWS / 10  # one chunk's records at a time, not the page


def test_a_value_that_cannot_be_read_stops_the_conversion_and_names_its_row():
    document = parse_response(page(rows=500, bad_row=321), parser().parse)

    result = document.results[0]
    assert result.ok and len(result.records) == 320
    assert isinstance(result.record_error, IntacctValueError)
    assert "GLENTRY RECORDNO 321" in str(result.record_error) and "AMOUNT" in str(result.record_error)


def test_without_a_converter_the_answer_keeps_its_tree():
    result = parse_response(page(rows=3)).results[0]
    assert [element.findtext("RECORDNO") for element in result.data] == ["1", "2", "3"] and result.records == []
