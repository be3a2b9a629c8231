"""AP bills, AR invoices, budgets and the balance functions over the generated company: consistent with the GL."""

import random
import sqlite3
from collections import Counter, defaultdict
from datetime import date

import pytest

from conftest import Gateway, errors_of, records
from sandbox import company as generator
from sandbox.company import text_to_cents
from sandbox.faults import Faults
from sandbox.intacct import IntacctEmulator
from sandbox.schema import CLOCKIFY, DATASETS, LEDGER_DOCUMENTS, QUICKBOOKS_TIME, TOGGL
from sandbox.store import Store

DOCUMENTS = (("apbill", "apbillitem", "AP", "VENDORID", 1), ("arinvoice", "arinvoiceitem", "AR", "CUSTOMERID", -1))


@pytest.fixture(scope="module")
def company():
    store = Store(scale=0.5, seed=11)  # full books: adjustment journals and accrual reversals included
    yield store
    store.close()


@pytest.fixture
def gateway(company):
    company.reset()
    return Gateway(IntacctEmulator(company, Faults(seed=1)))


def rows(company, dataset):
    return company.truth(dataset, rows=True)["rows"]


@pytest.mark.parametrize("dataset, items, journal, party, item_side", DOCUMENTS)
def test_every_document_ties_to_its_gl_batch(company, dataset, items, journal, party, item_side):
    batches = {row["RECORDNO"]: row for row in rows(company, "glbatch") if row["JOURNAL"] == journal}
    lines = defaultdict(list)
    for line in rows(company, "glentry"):
        if line["BATCHNO"] in batches:
            lines[line["BATCHNO"]].append(line)
    documents = rows(company, dataset)
    items_of = defaultdict(list)
    for item in rows(company, items):
        items_of[item["RECORDKEY"]].append(item)

    assert sorted(document["PRBATCHKEY"] for document in documents) == sorted(batches)
    for document in documents:
        batch, batch_lines = batches[document["PRBATCHKEY"]], lines[document["PRBATCHKEY"]]
        offset = [line for line in batch_lines if line["TR_TYPE"] != item_side]
        assert len(offset) == 1
        assert document["TOTALENTERED"] == document["TOTALDUE"] == offset[0]["AMOUNT"]
        assert document[party] == offset[0][party]
        assert document["MODULEKEY"] == batch["MODULE"]
        assert document["WHENCREATED"] == document["WHENPOSTED"] == batch["BATCH_DATE"]
        assert (document["AUWHENCREATED"], document["WHENMODIFIED"]) == (batch["WHENCREATED"], batch["WHENMODIFIED"])
        document_items = items_of[document["RECORDNO"]]
        assert sum(text_to_cents(item["AMOUNT"]) for item in document_items) == text_to_cents(document["TOTALENTERED"])
        assert Counter((i["ACCOUNTNO"], i["AMOUNT"], i["ENTRY_DATE"], i["PROJECTID"]) for i in document_items) == \
            Counter((line["ACCOUNTNO"], line["AMOUNT"], line["ENTRY_DATE"], line["PROJECTID"])
                    for line in batch_lines if line["TR_TYPE"] == item_side)
        assert {item["OFFSETGLACCOUNTNO"] for item in document_items} == {offset[0]["ACCOUNTNO"]}


def test_budgets_cover_each_income_statement_account_with_activity_in_every_period(company):
    accounts = {row["ACCOUNTNO"]: row for row in rows(company, "glaccount")}
    active = {line["ACCOUNTNO"] for line in rows(company, "glentry")
              if accounts[line["ACCOUNTNO"]]["ACCOUNTTYPE"] == "incomestatement"}
    periods = {row["RECORDNO"]: row for row in rows(company, "reportingperiod")}
    budgets = rows(company, "glbudgetitem")
    assert Counter((b["ACCT_NO"], b["PERIODKEY"]) for b in budgets) == Counter(
        (account, period) for account in active for period in periods)
    for budget in budgets:
        period = periods[budget["PERIODKEY"]]
        assert (budget["PSTARTDATE"], budget["PENDDATE"], budget["PERIODNAME"]) == \
            (period["START_DATE"], period["END_DATE"], period["NAME"])
        assert text_to_cents(budget["AMOUNT"]) % 10_000 == 0 and budget["ACCTTITLE"] == accounts[budget["ACCT_NO"]]["TITLE"]


def _tables(path) -> dict:
    with sqlite3.connect(path) as db:
        names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: db.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}


def test_the_derived_datasets_leave_the_others_byte_identical_and_are_repeatable(tmp_path):
    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    generator.generate(first, scale=0.2, seed=3)
    generator.generate(second, scale=0.2, seed=3)
    without = tmp_path / "without.sqlite"  # the company as generated before these datasets existed
    with sqlite3.connect(without, isolation_level=None) as db:
        generator.create_schema(db)
        writer = generator.TableWriter(db)
        generator.CompanyGenerator(random.Random(3), 0.2, writer).run()
        writer.close()
    full, again, base = _tables(first), _tables(second), _tables(without)
    derived = {dataset.name for dataset in (*LEDGER_DOCUMENTS, *CLOCKIFY, *QUICKBOOKS_TIME, *TOGGL)}  # from the Harvest rows
    assert full == again
    assert all(full[name] for name in derived - {"qbtime_timesheets_deleted"})  # nothing is deleted at the start
    assert {name: rows for name, rows in full.items() if name not in derived and name != "sqlite_stat1"} == \
        {name: rows for name, rows in base.items() if name not in derived}


# -- the balance functions ---------------------------------------------------------------------------------------
def _expected(company, start: date, end: date, entity: str = "") -> dict:
    """Per account: (start, debits, credits, adjdebits, adjcredits, end) in cents, straight from the truth."""
    accounts = {row["ACCOUNTNO"]: row["ACCOUNTTYPE"] for row in rows(company, "glaccount")}
    adjustment = {row["SYMBOL"] for row in rows(company, "gljournal") if row["ADJ"]}
    journal_of = {row["RECORDNO"]: row["JOURNAL"] for row in rows(company, "glbatch")}
    sums = defaultdict(lambda: [0] * 5)
    for line in rows(company, "glentry"):
        day = date.fromisoformat(line["ENTRY_DATE"])
        if day > end or (entity and line["MEGAENTITYID"] != entity):
            continue
        cents, sums_of = text_to_cents(line["AMOUNT"]), sums[line["ACCOUNTNO"]]
        if day < start:
            if accounts[line["ACCOUNTNO"]] != "incomestatement" or day.year == start.year:
                sums_of[0] += line["TR_TYPE"] * cents
        else:
            column = (3 if journal_of[line["BATCHNO"]] in adjustment else 1) + (0 if line["TR_TYPE"] == 1 else 1)
            sums_of[column] += cents
    return {account: (*values, values[0] + values[1] - values[2] + values[3] - values[4])
            for account, values in sums.items() if any(values)}


def _balances(result) -> dict:
    names = ("startbalance", "debits", "credits", "adjdebits", "adjcredits", "endbalance")
    return {row["glaccountno"]: tuple(text_to_cents(row[name]) for name in names) for row in records(result)}


def _dates(start: date, end: date) -> str:
    return "".join(f"<{tag}><year>{day.year}</year><month>{day.month:02d}</month><day>{day.day:02d}</day></{tag}>"
                   for tag, day in (("startdate", start), ("enddate", end)))


@pytest.mark.parametrize("month", [1, 6, 10])
def test_the_trial_balance_of_a_month_equals_the_sums_of_its_posted_lines(gateway, company, month):
    session = gateway.login()
    start, end = date(2026, month, 1), generator.month_end(month)
    result = gateway.call(f"<get_trialbalance>{_dates(start, end)}</get_trialbalance>",
                          session=session).find("operation/result")
    balances = _balances(result)
    assert balances == _expected(company, start, end)
    assert sum(values[5] for values in balances.values()) == 0  # the books balance
    assert result.find("data").get("listtype") == "trialbalance"
    assert {row["reportingbook"] for row in records(result)} == {"ACCRUAL"}
    assert company.requests.snapshot()["intacct"]["get_trialbalance"] == 1


def test_a_month_closes_where_the_next_opens_and_adjustment_journals_are_apart(gateway, company):
    session = gateway.login()
    months = [_balances(gateway.call(f"<get_trialbalance><reportingperiodname>{name}</reportingperiodname>"
                                     f"</get_trialbalance>", session=session).find("operation/result"))
              for name in ("Month Ended March 2026", "Month Ended April 2026")]
    types = {row["ACCOUNTNO"]: row["ACCOUNTTYPE"] for row in rows(company, "glaccount")}
    for account, values in months[1].items():
        if types[account] == "balancesheet":
            assert values[0] == months[0].get(account, (0,) * 6)[5]
    assert any(values[3] or values[4] for values in months[1].values())  # the ADJ journal's accrual reversals


def test_account_balances_for_one_account_a_range_and_an_entity(gateway, company):
    session = gateway.login()
    start, end = date(2026, 1, 1), date(2026, 5, 31)
    one = gateway.call(f"<get_accountbalances>{_dates(start, end)}<glaccountno>1100</glaccountno>"
                       f"</get_accountbalances>", session=session).find("operation/result")
    assert one.find("data").get("listtype") == "accountbalance"
    assert _balances(one) == {"1100": _expected(company, start, end)["1100"]}
    revenue = gateway.call(f"<get_accountbalances>{_dates(start, end)}<startaccountno>4000</startaccountno>"
                           f"<endaccountno>4999</endaccountno></get_accountbalances>",
                           session=session).find("operation/result")
    assert _balances(revenue) == {k: v for k, v in _expected(company, start, end).items() if k.startswith("4")}
    west = gateway.login("US-WEST")
    entity = gateway.call(f"<get_trialbalance>{_dates(start, end)}</get_trialbalance>",
                          session=west).find("operation/result")
    assert _balances(entity) == _expected(company, start, end, "US-WEST") != _expected(company, start, end)


def test_zero_balances_are_listed_only_when_asked(gateway, company):
    session = gateway.login()
    period = _dates(date(2026, 1, 1), date(2026, 1, 31))
    shown = _balances(gateway.call(f"<get_trialbalance>{period}<showzerobalances>true</showzerobalances>"
                                   f"</get_trialbalance>", session=session).find("operation/result"))
    hidden = _balances(gateway.call(f"<get_trialbalance>{period}</get_trialbalance>",
                                    session=session).find("operation/result"))
    assert set(shown) == {row["ACCOUNTNO"] for row in rows(company, "glaccount")}
    assert set(hidden) == {account for account, values in shown.items() if any(values)} != set(shown)


@pytest.mark.parametrize("body, message", [
    ("<get_trialbalance><showzerobalances>true</showzerobalances></get_trialbalance>", "<reportingperiodname>"),
    ("<get_trialbalance><reportingperiodname>Month Ended June 1999</reportingperiodname></get_trialbalance>",
     "Month Ended June 1999"),
    (f"<get_accountbalances>{_dates(date(2026, 1, 1), date(2026, 1, 31))}</get_accountbalances>", "<glaccountno>"),
    (f"<get_trialbalance>{_dates(date(2026, 2, 1), date(2026, 1, 31))}</get_trialbalance>", "after the end date"),
])
def test_a_bad_balance_request_fails_naming_what_is_wrong(gateway, body, message):
    result = gateway.call(body, session=gateway.login()).find("operation/result")
    assert result.findtext("status") == "failure"
    assert message in errors_of(result)[0][1]


# -- served by query, and mutated ---------------------------------------------------------------------------------
def test_a_bill_is_served_with_its_date_and_audit_time_in_the_users_formats(gateway, company):
    bill = rows(company, "apbill")[0]
    result = gateway.query(gateway.login(), "APBILL", ["RECORDNO", "WHENCREATED", "AUWHENCREATED", "TOTALENTERED"],
                           filter=f"<equalto><field>RECORDNO</field><value>{bill['RECORDNO']}</value></equalto>",
                           options="<showprivate>true</showprivate>")
    served = records(result)[0]
    created = date.fromisoformat(bill["WHENCREATED"])
    assert served["WHENCREATED"] == f"{created:%m/%d/%Y}" and served["TOTALENTERED"] == bill["TOTALENTERED"]
    assert len(served["AUWHENCREATED"]) == len("MM/DD/YYYY HH:MM:SS")


def test_deleting_a_bill_deletes_and_audits_its_items(company):
    company.reset()
    bill = rows(company, "apbill")[0]["RECORDNO"]
    items = [item["RECORDNO"] for item in rows(company, "apbillitem") if item["RECORDKEY"] == bill]
    company.mutate("apbill", "delete", ids=[bill])
    assert not [item for item in rows(company, "apbillitem") if item["RECORDKEY"] == bill]
    audit = {row["OBJECTKEY"] for row in rows(company, "audithistory") if row["ACCESSMODE"] == "D"}
    assert {f"{bill}--APBILL", *(f"{item}--APBILLITEM" for item in items)} <= audit
    company.reset()


@pytest.mark.parametrize("dataset", [dataset.name for dataset in LEDGER_DOCUMENTS])
def test_inserts_and_updates_stamp_the_audit_time_and_keep_document_dates(company, dataset):
    company.reset()
    [inserted] = company.mutate(dataset, "insert", count=1)
    [updated] = company.mutate(dataset, "update", count=1)
    now = company.now()
    by_key = {row["RECORDNO"]: row for row in rows(company, dataset)}
    created = "AUWHENCREATED" if dataset in ("apbill", "arinvoice") else "WHENCREATED"
    assert by_key[inserted][created] <= now and by_key[inserted]["WHENMODIFIED"] <= now
    assert by_key[inserted][created] >= generator.stamp(generator.LATEST_STAMP)
    if dataset in ("apbill", "arinvoice"):
        date.fromisoformat(by_key[inserted]["WHENCREATED"])  # still the document date
    assert by_key[updated]["WHENMODIFIED"] >= generator.stamp(generator.LATEST_STAMP)
    assert DATASETS[dataset].modified == "WHENMODIFIED"
    company.reset()
