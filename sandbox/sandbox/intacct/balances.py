"""The legacy balance functions: `get_trialbalance` and `get_accountbalances`, computed from the posted GL.

Request shapes are developer.intacct.com's (general-ledger/trial-balances, account-balances): a period as
`<reportingperiodname>` or as `<startdate>`/`<enddate>` with `<year>`, `<month>`, `<day>`; `showzerobalances`;
for `get_accountbalances` an account as `<glaccountno>` or a range `<startaccountno>`/`<endaccountno>`.
The answer is one `<trialbalance>` / `<accountbalance>` per account with the fields MeltanoLabs' tap-intacct
reads: glaccountno, startbalance, debits, credits, adjdebits, adjcredits, endbalance, reportingbook, currency.

What the emulator computes (the sandbox's rule, see intacct/README.md): over the lines of posted batches
(entity sessions: that entity's lines; the top level: every entity, consolidated), per account, in integer
cents — `startbalance` = debits minus credits dated before the start (income-statement accounts only from
1 January of the start's year: they close into retained earnings at year end); `debits`/`credits` = the
period's lines of normal journals, `adjdebits`/`adjcredits` those of adjustment journals (GLJOURNAL.ADJ);
`endbalance` = startbalance + debits − credits + adjdebits − adjcredits. Debit balances are positive.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from . import errors
from .envelope import Data, leaf, text

FUNCTIONS = {"get_trialbalance": "trialbalance", "get_accountbalances": "accountbalance"}
REPORTING_BOOK = "ACCRUAL"
CURRENCY = "USD"
_AMOUNTS = ("startbalance", "debits", "credits", "adjdebits", "adjcredits", "endbalance")
_CENTS = "CAST(REPLACE(e.AMOUNT, '.', '') AS INTEGER)"  # storage decimals always carry two decimals
_SQL = f"""
SELECT e.ACCOUNTNO,
  SUM(CASE WHEN e.ENTRY_DATE < :start AND (a.ACCOUNTTYPE <> 'incomestatement' OR e.ENTRY_DATE >= :year_start)
           THEN e.TR_TYPE * {_CENTS} ELSE 0 END),
  SUM(CASE WHEN e.ENTRY_DATE >= :start AND j.ADJ = 0 AND e.TR_TYPE = 1 THEN {_CENTS} ELSE 0 END),
  SUM(CASE WHEN e.ENTRY_DATE >= :start AND j.ADJ = 0 AND e.TR_TYPE = -1 THEN {_CENTS} ELSE 0 END),
  SUM(CASE WHEN e.ENTRY_DATE >= :start AND j.ADJ = 1 AND e.TR_TYPE = 1 THEN {_CENTS} ELSE 0 END),
  SUM(CASE WHEN e.ENTRY_DATE >= :start AND j.ADJ = 1 AND e.TR_TYPE = -1 THEN {_CENTS} ELSE 0 END)
FROM glentry e
JOIN glbatch b ON b.RECORDNO = e.BATCHNO
JOIN glaccount a ON a.ACCOUNTNO = e.ACCOUNTNO
LEFT JOIN gljournal j ON j.SYMBOL = b.JOURNAL
WHERE e.ENTRY_DATE <= :end AND b.STATE = 'Posted' AND e.STATE = 'Posted'
  AND (:entity = '' OR e.MEGAENTITYID = :entity)
GROUP BY e.ACCOUNTNO
"""


def _failure(message: str) -> errors.FunctionFailure:
    """A bad argument (the error number and wording are the emulator's; no public recording was found)."""
    return errors.FunctionFailure(errors.ErrorDetail("BL01001973", message))


def _date(body: etree._Element, name: str) -> date | None:
    node = body.find(name)
    if node is None:
        return None
    try:
        return date(int(text(node, "year")), int(text(node, "month")), int(text(node, "day")))
    except ValueError:
        raise _failure(f"<{name}> needs a valid <year>, <month> and <day>") from None


def _period(body: etree._Element, db) -> tuple[date, date]:
    name = text(body, "reportingperiodname")
    if name:
        found = db.execute('SELECT START_DATE, END_DATE FROM reportingperiod WHERE NAME = ?', (name,)).fetchone()
        if found is None:
            raise _failure(f"Reporting period '{name}' does not exist")
        return date.fromisoformat(found[0]), date.fromisoformat(found[1])
    start, end = _date(body, "startdate"), _date(body, "enddate")
    if start is None or end is None:
        raise _failure("Give a <reportingperiodname>, or a <startdate> and an <enddate>")
    if start > end:
        raise _failure(f"The start date {start:%m/%d/%Y} is after the end date {end:%m/%d/%Y}")
    return start, end


def _accounts(function_name: str, body: etree._Element, db) -> list[str]:
    """The accounts asked for, in account-number order (every account for the trial balance)."""
    accounts = [row[0] for row in db.execute('SELECT ACCOUNTNO FROM glaccount ORDER BY ACCOUNTNO')]
    if function_name == "get_trialbalance":
        return accounts
    single, first, last = text(body, "glaccountno"), text(body, "startaccountno"), text(body, "endaccountno")
    if single:
        if single not in accounts:
            raise _failure(f"GL account '{single}' does not exist")
        return [single]
    if first and last:
        return [account for account in accounts if first <= account <= last]
    raise _failure("Give a <glaccountno>, or a <startaccountno> and an <endaccountno>"
                   " (account groups are not supported by this sandbox)")


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def answer(function_name: str, body: etree._Element, db, entity: str) -> Data:
    """The function's `<data>`: one element per account, in account-number order."""
    start, end = _period(body, db)
    accounts = _accounts(function_name, body, db)
    show_zero = text(body, "showzerobalances").lower() == "true"
    sums = {row[0]: list(row[1:]) for row in db.execute(_SQL, {
        "start": start.isoformat(), "end": end.isoformat(), "year_start": f"{start.year}-01-01", "entity": entity})}
    tag = FUNCTIONS[function_name]
    nodes = []
    for account in accounts:
        opening, debits, credits, adj_debits, adj_credits = sums.get(account, [0, 0, 0, 0, 0])
        closing = opening + debits - credits + adj_debits - adj_credits
        values = (opening, debits, credits, adj_debits, adj_credits, closing)
        if not show_zero and not any(values):
            continue
        node = etree.Element(tag)
        leaf(node, "glaccountno", account)
        for name, cents in zip(_AMOUNTS, values):
            leaf(node, name, _amount(cents))
        leaf(node, "reportingbook", REPORTING_BOOK)
        leaf(node, "currency", CURRENCY)
        nodes.append(node)
    return Data(tuple(nodes), attributes={"listtype": tag, "count": str(len(nodes))})
