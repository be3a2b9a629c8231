"""The synthetic company's datasets: table names, columns and their types.

This is the contract between the data generator (`company.py`), the store (`store.py`) and the vendor
emulators (`intacct/`, `harvest.py`, `generic.py`). Every dataset is one SQLite table of the same name.

Storage conventions (what a row holds in SQLite, independent of any vendor's wire format):
- ``timestamp``: text ``YYYY-MM-DDTHH:MM:SSZ``, always UTC (sorts as time does);
- ``date``: text ``YYYY-MM-DD``;
- ``decimal``: text in canonical form with two decimals (``"1234.50"``); sum with ``decimal.Decimal``;
- ``integer``: INTEGER; ``boolean``: INTEGER 0/1; ``text``: TEXT; NULL for a missing value.
The emulators render these in each vendor's own format (Intacct: ``MM/DD/YYYY HH:MM:SS`` in the user's
time zone, strings everywhere; Harvest and generic: JSON numbers, booleans and ISO strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "integer", "decimal", "boolean", "date", "timestamp"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    label: str = ""
    custom: bool = False  # a custom field / user-defined dimension (Intacct `lookup` reports it as such)


@dataclass(frozen=True)
class Dataset:
    name: str  # the SQLite table name and the name used by the control endpoints
    vendor: Literal["intacct", "harvest", "generic", "clockify", "quickbooks_time", "toggl"]
    primary_key: str
    modified: str | None  # the column that moves on every change (None: the dataset is not mutable by time)
    columns: tuple[Column, ...] = field(default_factory=tuple)
    object_name: str | None = None  # Intacct object name (GLACCOUNT, …)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name}")


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


_AUDIT = (("WHENCREATED", "timestamp", "When created"), ("WHENMODIFIED", "timestamp", "When modified"),
          ("CREATEDBY", "integer", "Created by"), ("MODIFIEDBY", "integer", "Modified by"))
_ENTITY = (("MEGAENTITYKEY", "integer", "Owning entity key"), ("MEGAENTITYID", "text", "Owning entity ID"),
           ("MEGAENTITYNAME", "text", "Owning entity name"))

INTACCT = (
    Dataset("glaccount", "intacct", "RECORDNO", "WHENMODIFIED", object_name="GLACCOUNT", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("ACCOUNTNO", "text", "Account number"),
        ("TITLE", "text", "Title"), ("ACCOUNTTYPE", "text", "Account type"),
        ("NORMALBALANCE", "text", "Normal balance"), ("CLOSINGTYPE", "text", "Period end closing type"),
        ("CLOSINGACCOUNTNO", "text", "Close into account"), ("STATUS", "text", "Status"),
        ("CATEGORY", "text", "Category"), ("ALTERNATIVEACCOUNT", "text", "GL account alternative"),
        ("REQUIREDEPT", "boolean", "Require department"), ("REQUIRELOC", "boolean", "Require location"),
        ("REQUIREPROJECT", "boolean", "Require project"), *_AUDIT, *_ENTITY)),
    Dataset("gljournal", "intacct", "RECORDNO", "WHENMODIFIED", object_name="GLJOURNAL", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("SYMBOL", "text", "Journal symbol"),
        ("TITLE", "text", "Title"), ("STATUS", "text", "Status"), ("BOOKID", "text", "Book"),
        ("ADJ", "boolean", "Adjustment journal"), *_AUDIT, *_ENTITY)),
    Dataset("reportingperiod", "intacct", "RECORDNO", "WHENMODIFIED", object_name="REPORTINGPERIOD", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("NAME", "text", "Name"),
        ("HEADER1", "text", "Column header 1"), ("HEADER2", "text", "Column header 2"),
        ("START_DATE", "date", "Start date"), ("END_DATE", "date", "End date"),
        ("BUDGETING", "boolean", "Budgetable"), ("STATUS", "text", "Status"), *_AUDIT)),
    Dataset("glbatch", "intacct", "RECORDNO", "WHENMODIFIED", object_name="GLBATCH", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("BATCHNO", "integer", "Transaction number"),
        ("BATCH_TITLE", "text", "Description"), ("JOURNAL", "text", "Journal"),
        ("BATCH_DATE", "date", "Posting date"), ("MODULE", "text", "Module"),
        ("REFERENCENO", "text", "Reference number"), ("REVERSED", "date", "Reversed date"),
        ("REVERSEDKEY", "integer", "Reversed from"), ("STATE", "text", "State"),
        ("BASELOCATION_NO", "text", "Base location"), ("RECORD_URL", "text", "Record URL"),
        *_AUDIT, *_ENTITY)),
    # GLENTRY.BATCHNO holds the parent GLBATCH's RECORDNO; TR_TYPE is 1 (debit) or -1 (credit) and
    # AMOUNT is always positive, so a batch balances when sum(TR_TYPE * AMOUNT) = 0.
    Dataset("glentry", "intacct", "RECORDNO", "WHENMODIFIED", object_name="GLENTRY", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("BATCHNO", "integer", "Journal entry key"),
        ("LINE_NO", "integer", "Line number"), ("TR_TYPE", "integer", "Transaction type"),
        ("ENTRY_DATE", "date", "Entry date"), ("AMOUNT", "decimal", "Base amount"),
        ("TRX_AMOUNT", "decimal", "Transaction amount"), ("ACCOUNTNO", "text", "Account"),
        ("ACCOUNTTITLE", "text", "Account title"), ("DEPARTMENT", "text", "Department"),
        ("LOCATION", "text", "Location"), ("CURRENCY", "text", "Transaction currency"),
        ("BASECURR", "text", "Base currency"), ("DESCRIPTION", "text", "Memo"),
        ("STATE", "text", "State"), ("CLASSID", "text", "Class"), ("CUSTOMERID", "text", "Customer"),
        ("VENDORID", "text", "Vendor"), ("EMPLOYEEID", "text", "Employee"), ("ITEMID", "text", "Item"),
        ("PROJECTID", "text", "Project"), *_AUDIT, *_ENTITY,
        ("GLDIMSERVICE_LINE", "text", "Service line", True))),
    # GLDETAIL is a reporting view over GLENTRY + GLBATCH (a SQL view, so it is never stored twice).
    # Its RECORDNO is a string such as "3220-55186-27290--accrual".
    Dataset("gldetail", "intacct", "RECORDNO", "WHENMODIFIED", object_name="GLDETAIL", columns=_cols(
        ("RECORDNO", "text", "Record number"), ("BATCHKEY", "integer", "Journal entry key"),
        ("GLENTRYKEY", "integer", "Journal entry line key"), ("BOOKID", "text", "Book"),
        ("BATCH_DATE", "date", "Posting date"), ("BATCH_TITLE", "text", "Description"),
        ("JOURNAL", "text", "Journal"), ("ENTRY_DATE", "date", "Entry date"),
        ("ACCOUNTNO", "text", "Account"), ("ACCOUNTTITLE", "text", "Account title"),
        ("DEBITAMOUNT", "decimal", "Debit amount"), ("CREDITAMOUNT", "decimal", "Credit amount"),
        ("AMOUNT", "decimal", "Amount"), ("TRX_AMOUNT", "decimal", "Transaction amount"),
        ("CURRENCY", "text", "Currency"), ("DESCRIPTION", "text", "Memo"),
        ("RECORDTYPE", "text", "Record type"), ("RECORDID", "text", "Record ID"),
        ("MODULEKEY", "text", "Module"), ("BATCH_STATE", "text", "Journal entry state"),
        ("ENTRY_STATE", "text", "Line state"), ("DEPARTMENTID", "text", "Department"),
        ("LOCATIONID", "text", "Location"), ("PROJECTID", "text", "Project"),
        ("CUSTOMERID", "text", "Customer"), ("VENDORID", "text", "Vendor"),
        ("EMPLOYEEID", "text", "Employee"), ("CLASSID", "text", "Class"),
        ("WHENCREATED", "timestamp", "When created"), ("WHENMODIFIED", "timestamp", "When modified"),
        *_ENTITY, ("GLDIMSERVICE_LINE", "text", "Service line", True))),
    Dataset("department", "intacct", "RECORDNO", "WHENMODIFIED", object_name="DEPARTMENT", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("DEPARTMENTID", "text", "Department ID"),
        ("TITLE", "text", "Department name"), ("PARENTID", "text", "Parent department"),
        ("SUPERVISORID", "text", "Manager employee ID"), ("STATUS", "text", "Status"), *_AUDIT)),
    # Entities of the multi-entity company are top-level locations with ENTITY = true.
    Dataset("location", "intacct", "RECORDNO", "WHENMODIFIED", object_name="LOCATION", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("LOCATIONID", "text", "Location ID"),
        ("NAME", "text", "Location name"), ("PARENTID", "text", "Parent location"),
        ("ENTITY", "boolean", "Is an entity"), ("CURRENCY", "text", "Base currency"),
        ("STATUS", "text", "Status"), *_AUDIT, *_ENTITY)),
    Dataset("class", "intacct", "RECORDNO", "WHENMODIFIED", object_name="CLASS", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("CLASSID", "text", "Class ID"),
        ("NAME", "text", "Class name"), ("PARENTID", "text", "Parent class"),
        ("STATUS", "text", "Status"), *_AUDIT)),
    Dataset("project", "intacct", "RECORDNO", "WHENMODIFIED", object_name="PROJECT", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("PROJECTID", "text", "Project ID"),
        ("NAME", "text", "Project name"), ("CUSTOMERID", "text", "Customer ID"),
        ("CUSTOMERNAME", "text", "Customer name"), ("PROJECTCATEGORY", "text", "Project category"),
        ("PROJECTSTATUS", "text", "Project status"), ("BEGINDATE", "date", "Begin date"),
        ("ENDDATE", "date", "End date"), ("BUDGETAMOUNT", "decimal", "Budgeted amount"),
        ("DEPARTMENTID", "text", "Department"), ("LOCATIONID", "text", "Location"),
        ("STATUS", "text", "Status"), *_AUDIT, *_ENTITY,
        ("CONTRACT_TYPE", "text", "Contract type", True))),
    Dataset("customer", "intacct", "RECORDNO", "WHENMODIFIED", object_name="CUSTOMER", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("CUSTOMERID", "text", "Customer ID"),
        ("NAME", "text", "Customer name"), ("CUSTTYPE", "text", "Customer type"),
        ("TERMNAME", "text", "Payment terms"), ("CURRENCY", "text", "Default currency"),
        ("CREDITLIMIT", "decimal", "Credit limit"), ("STATUS", "text", "Status"), *_AUDIT, *_ENTITY)),
    Dataset("vendor", "intacct", "RECORDNO", "WHENMODIFIED", object_name="VENDOR", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("VENDORID", "text", "Vendor ID"),
        ("NAME", "text", "Vendor name"), ("VENDTYPE", "text", "Vendor type"),
        ("TERMNAME", "text", "Payment terms"), ("CURRENCY", "text", "Default currency"),
        ("STATUS", "text", "Status"), *_AUDIT, *_ENTITY)),
    Dataset("employee", "intacct", "RECORDNO", "WHENMODIFIED", object_name="EMPLOYEE", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("EMPLOYEEID", "text", "Employee ID"),
        ("CONTACT_NAME", "text", "Primary contact name"), ("TITLE", "text", "Title"),
        ("DEPARTMENTID", "text", "Department"), ("LOCATIONID", "text", "Location"),
        ("EMPLOYEETYPE", "text", "Employee type"), ("STARTDATE", "date", "Start date"),
        ("ENDDATE", "date", "Termination date"), ("STATUS", "text", "Status"), *_AUDIT, *_ENTITY)),
    # One row per create/update/delete of a record; deletes (ACCESSMODE 'D') are what the source reads.
    # OBJECTTYPE is the lower-case object name; OBJECTKEY is "<RECORDNO>--<OBJECT>" (e.g. "3155--GLBATCH").
    Dataset("audithistory", "intacct", "ID", "ACCESSTIME", object_name="AUDITHISTORY", columns=_cols(
        ("ID", "text", "ID"), ("OBJECTTYPE", "text", "Object type"), ("OBJECTKEY", "text", "Object key"),
        ("OBJECTDESC", "text", "Object description"), ("ACCESSMODE", "text", "Access mode"),
        ("ACCESSTIME", "timestamp", "Access time"), ("USERID", "text", "User ID"),
        ("SOURCE", "text", "Source"))),
)

HARVEST = (
    Dataset("harvest_users", "harvest", "id", "updated_at", columns=_cols(
        ("id", "integer"), ("first_name", "text"), ("last_name", "text"), ("email", "text"),
        ("telephone", "text"), ("timezone", "text"), ("weekly_capacity", "integer"),
        ("is_contractor", "boolean"), ("is_active", "boolean"), ("default_hourly_rate", "decimal"),
        ("cost_rate", "decimal"), ("roles", "text"),  # roles: JSON array text
        ("employee_id", "text"),  # the matching Intacct EMPLOYEEID (Harvest has no such field; it is
                                  # carried in `employee_id` only inside the sandbox for reconciliation)
        ("created_at", "timestamp"), ("updated_at", "timestamp"))),
    # History of cost rates per user (`/v2/users/{id}/cost_rates`): end_date NULL for the current rate.
    Dataset("harvest_cost_rates", "harvest", "id", "updated_at", columns=_cols(
        ("id", "integer"), ("user_id", "integer"), ("amount", "decimal"), ("start_date", "date"),
        ("end_date", "date"), ("created_at", "timestamp"), ("updated_at", "timestamp"))),
    Dataset("harvest_clients", "harvest", "id", "updated_at", columns=_cols(
        ("id", "integer"), ("name", "text"), ("is_active", "boolean"), ("address", "text"),
        ("statement_key", "text"), ("currency", "text"),
        ("customer_id", "text"),  # the matching Intacct CUSTOMERID (sandbox-only link)
        ("created_at", "timestamp"), ("updated_at", "timestamp"))),
    Dataset("harvest_projects", "harvest", "id", "updated_at", columns=_cols(
        ("id", "integer"), ("client_id", "integer"), ("name", "text"),
        ("code", "text"),  # the Intacct PROJECTID: how time reconciles with the GL
        ("is_active", "boolean"), ("is_billable", "boolean"), ("is_fixed_fee", "boolean"),
        ("bill_by", "text"), ("budget", "decimal"), ("budget_by", "text"), ("hourly_rate", "decimal"),
        ("cost_budget", "decimal"), ("starts_on", "date"), ("ends_on", "date"), ("notes", "text"),
        ("created_at", "timestamp"), ("updated_at", "timestamp"))),
    Dataset("harvest_tasks", "harvest", "id", "updated_at", columns=_cols(
        ("id", "integer"), ("name", "text"), ("billable_by_default", "boolean"),
        ("default_hourly_rate", "decimal"), ("is_default", "boolean"), ("is_active", "boolean"),
        ("created_at", "timestamp"), ("updated_at", "timestamp"))),
    Dataset("harvest_time_entries", "harvest", "id", "updated_at", columns=_cols(
        ("id", "integer"), ("spent_date", "date"), ("user_id", "integer"), ("client_id", "integer"),
        ("project_id", "integer"), ("task_id", "integer"), ("hours", "decimal"),
        ("hours_without_timer", "decimal"), ("rounded_hours", "decimal"), ("notes", "text"),
        ("is_locked", "boolean"), ("locked_reason", "text"), ("is_closed", "boolean"),
        ("is_billed", "boolean"), ("timer_started_at", "timestamp"), ("started_time", "text"),
        ("ended_time", "text"), ("is_running", "boolean"), ("billable", "boolean"),
        ("budgeted", "boolean"), ("billable_rate", "decimal"), ("cost_rate", "decimal"),
        ("created_at", "timestamp"), ("updated_at", "timestamp"))),
)

GENERIC = (
    # The design example's generic time-tracking API: `GET /v1/entries` (ids are strings such as "te_1").
    Dataset("generic_entries", "generic", "id", "updated_at", columns=_cols(
        ("id", "text"), ("user_id", "text"), ("user_name", "text"),
        ("employee_id", "text"),  # the Intacct EMPLOYEEID of the worker
        ("project_id", "text"),  # the Intacct PROJECTID
        ("task_id", "text"), ("date", "date"), ("hours", "decimal"), ("billable", "boolean"),
        ("cost_rate", "decimal"), ("bill_rate", "decimal"), ("notes", "text"),
        ("created_at", "timestamp"), ("updated_at", "timestamp"))),
)

# Clockify (API v1): one workspace derived from the Harvest rows (`clockify_data.py`), so the same hours and
# cost per project-month. IDs are 24 hex digits like Clockify's; rates are dollars here and cents on the wire;
# `updated_at` is storage-only (Clockify lists carry no modification time).
CLOCKIFY = (
    Dataset("clockify_users", "clockify", "id", "updated_at", columns=_cols(
        ("id", "text"), ("name", "text"), ("email", "text"), ("status", "text"),
        ("time_zone", "text"),  # IANA name: the profile time zone that sets an entry's work date
        ("hourly_rate", "decimal"), ("cost_rate", "decimal"),
        ("employee_id", "text"),  # the Intacct EMPLOYEEID (sandbox-only link)
        ("updated_at", "timestamp"))),
    Dataset("clockify_clients", "clockify", "id", "updated_at", columns=_cols(
        ("id", "text"), ("name", "text"), ("archived", "boolean"), ("address", "text"), ("note", "text"),
        ("currency_code", "text"), ("customer_id", "text"),  # the Intacct CUSTOMERID (sandbox-only link)
        ("updated_at", "timestamp"))),
    Dataset("clockify_projects", "clockify", "id", "updated_at", columns=_cols(
        ("id", "text"), ("client_id", "text"), ("name", "text"),
        ("note", "text"),  # the Intacct PROJECTID: how Clockify time reconciles with the GL
        ("billable", "boolean"), ("archived", "boolean"), ("hourly_rate", "decimal"), ("cost_rate", "decimal"),
        ("color", "text"), ("updated_at", "timestamp"))),
    Dataset("clockify_tasks", "clockify", "id", "updated_at", columns=_cols(
        ("id", "text"), ("project_id", "text"), ("name", "text"), ("status", "text"), ("billable", "boolean"),
        ("hourly_rate", "decimal"), ("cost_rate", "decimal"), ("updated_at", "timestamp"))),
    # `start` is UTC; `end` is start + hours (rendered, never stored), so an edit of hours moves it.
    Dataset("clockify_time_entries", "clockify", "id", "updated_at", columns=_cols(
        ("id", "text"), ("user_id", "text"), ("project_id", "text"), ("task_id", "text"), ("description", "text"),
        ("billable", "boolean"), ("start", "timestamp"), ("hours", "decimal"), ("hourly_rate", "decimal"),
        ("cost_rate", "decimal"), ("is_locked", "boolean"), ("created_at", "timestamp"),
        ("updated_at", "timestamp"))),
)

# QuickBooks Time (TSheets): the same technicians' time as Harvest's (see `company.quickbooks_time`).
# `start`/`end` are the vendor's local ISO 8601 times with offset; `duration` is whole seconds.
_TIMESHEET = (("id", "integer"), ("user_id", "integer"), ("jobcode_id", "integer"), ("start", "text"),
              ("end", "text"), ("duration", "integer"), ("date", "date"), ("tz", "integer"), ("tz_str", "text"),
              ("type", "text"), ("location", "text"), ("on_the_clock", "boolean"), ("locked", "integer"),
              ("notes", "text"), ("created", "timestamp"), ("last_modified", "timestamp"))
QUICKBOOKS_TIME = (
    Dataset("qbtime_users", "quickbooks_time", "id", "last_modified", columns=_cols(
        ("id", "integer"), ("first_name", "text"), ("last_name", "text"), ("display_name", "text"),
        ("group_id", "integer"), ("active", "boolean"), ("employee_number", "integer"), ("salaried", "boolean"),
        ("exempt", "boolean"), ("username", "text"), ("email", "text"), ("pay_rate", "decimal"),
        ("pay_interval", "text"),
        ("employee_id", "text"),  # the Intacct EMPLOYEEID (sandbox-only link, not a TSheets field)
        ("created", "timestamp"), ("last_modified", "timestamp"))),
    # Customers are top-level jobcodes (parent_id 0); projects are their children, `short_code` the PROJECTID.
    Dataset("qbtime_jobcodes", "quickbooks_time", "id", "last_modified", columns=_cols(
        ("id", "integer"), ("parent_id", "integer"), ("assigned_to_all", "boolean"), ("billable", "boolean"),
        ("active", "boolean"), ("type", "text"), ("has_children", "boolean"), ("billable_rate", "decimal"),
        ("short_code", "text"), ("name", "text"), ("created", "timestamp"), ("last_modified", "timestamp"))),
    Dataset("qbtime_timesheets", "quickbooks_time", "id", "last_modified", columns=_cols(*_TIMESHEET)),
    # What `GET /timesheets_deleted` lists: a deleted timesheet, `last_modified` the moment of its deletion.
    Dataset("qbtime_timesheets_deleted", "quickbooks_time", "id", "last_modified", columns=_cols(*_TIMESHEET)),
)

# Toggl Track (v9 + Reports v3): the Harvest technicians' time seen through Toggl (derived by `toggl.derive`,
# so every project-month holds the same hours and labour cost as Harvest's dataset).
TOGGL = (
    Dataset("toggl_workspace_users", "toggl", "id", "at", columns=_cols(
        ("id", "integer"), ("user_id", "integer"), ("workspace_id", "integer"), ("name", "text"),
        ("email", "text"), ("active", "boolean"), ("admin", "boolean"), ("role", "text"),
        ("rate", "decimal"),  # billable hourly rate
        ("labour_cost", "decimal"),  # the current hourly labour cost
        ("employee_id", "text"),  # the matching Intacct EMPLOYEEID (sandbox-only link)
        ("at", "timestamp"))),
    Dataset("toggl_clients", "toggl", "id", "at", columns=_cols(
        ("id", "integer"), ("wid", "integer"), ("name", "text"), ("archived", "boolean"), ("notes", "text"),
        ("customer_id", "text"),  # the matching Intacct CUSTOMERID (sandbox-only link)
        ("at", "timestamp"))),
    Dataset("toggl_projects", "toggl", "id", "at", columns=_cols(
        ("id", "integer"), ("workspace_id", "integer"), ("client_id", "integer"),
        ("name", "text"),  # starts with the Intacct PROJECTID ("P-1001 …"), as firms name their jobs
        ("active", "boolean"), ("billable", "boolean"), ("is_private", "boolean"), ("rate", "decimal"),
        ("currency", "text"), ("created_at", "timestamp"), ("at", "timestamp"))),
    Dataset("toggl_tasks", "toggl", "id", "at", columns=_cols(
        ("id", "integer"), ("name", "text"), ("project_id", "integer"), ("workspace_id", "integer"),
        ("active", "boolean"), ("estimated_seconds", "integer"), ("at", "timestamp"))),
    # `start` is stored in UTC; the API renders it in the workspace's time zone. `hours` is the duration
    # (`seconds` on the wire); `hourly_rate` (billable; NULL when not billable) and `labor_cost` are per hour.
    Dataset("toggl_time_entries", "toggl", "id", "at", columns=_cols(
        ("id", "integer"), ("workspace_id", "integer"), ("user_id", "integer"), ("project_id", "integer"),
        ("task_id", "integer"), ("description", "text"), ("billable", "boolean"), ("start", "timestamp"),
        ("hours", "decimal"), ("hourly_rate", "decimal"), ("labor_cost", "decimal"), ("currency", "text"),
        ("tag_ids", "text"),  # JSON array text
        ("at", "timestamp"))),
)

# The subledger documents behind the AP and AR batches, and the budget. Field names follow recorded
# answers of APBILL/APBILLITEM/ARINVOICE/ARINVOICEITEM queries (see intacct/README.md "More of the ledger").
# On APBILL and ARINVOICE, WHENCREATED is the document *date* and AUWHENCREATED the creation time; their
# PRBATCHKEY is the RECORDNO of the GLBATCH the document posted (MODULEKEY 3.AP / 4.AR). An item's
# RECORDKEY is its document's RECORDNO; OFFSETGLACCOUNTNO is the AP (2000) or AR (1100) account.
_DOCUMENT = (("RECORDNO", "integer", "Record number"), ("RECORDTYPE", "text", "Record type"),
             ("RECORDID", "text", "Document number"), ("DOCNUMBER", "text", "Reference number"),
             ("DESCRIPTION", "text", "Description"), ("TERMNAME", "text", "Payment terms"),
             ("WHENCREATED", "date", "Date"), ("WHENPOSTED", "date", "GL posting date"),
             ("WHENDUE", "date", "Due date"), ("WHENPAID", "date", "Date fully paid"),
             ("STATE", "text", "State"), ("BASECURR", "text", "Base currency"),
             ("CURRENCY", "text", "Transaction currency"), ("TOTALENTERED", "decimal", "Total amount"),
             ("TOTALPAID", "decimal", "Total paid"), ("TOTALDUE", "decimal", "Total due"),
             ("TRX_TOTALENTERED", "decimal", "Transaction total amount"), ("PRBATCH", "text", "Summary"),
             ("PRBATCHKEY", "integer", "GL batch key"), ("MODULEKEY", "text", "Module"),
             ("AUWHENCREATED", "timestamp", "When created"), ("WHENMODIFIED", "timestamp", "When modified"),
             ("CREATEDBY", "integer", "Created by"), ("MODIFIEDBY", "integer", "Modified by"))
_DOCUMENT_LINE = (("RECORDNO", "integer", "Record number"), ("RECORDKEY", "integer", "Parent document key"),
                  ("LINE_NO", "integer", "Line number"), ("ACCOUNTNO", "text", "GL account"),
                  ("ACCOUNTTITLE", "text", "GL account title"),
                  ("OFFSETGLACCOUNTNO", "text", "Offset GL account"), ("ENTRY_DATE", "date", "Entry date"),
                  ("AMOUNT", "decimal", "Base amount"), ("TRX_AMOUNT", "decimal", "Transaction amount"),
                  ("CURRENCY", "text", "Transaction currency"), ("BASECURR", "text", "Base currency"),
                  ("ENTRYDESCRIPTION", "text", "Memo"), ("DEPARTMENTID", "text", "Department"),
                  ("LOCATIONID", "text", "Location"), ("PROJECTID", "text", "Project"),
                  ("CLASSID", "text", "Class"), ("STATE", "text", "State"))
_LINE_AUDIT = (("WHENCREATED", "timestamp", "When created"), ("WHENMODIFIED", "timestamp", "When modified"),
               ("CREATEDBY", "integer", "Created by"), ("MODIFIEDBY", "integer", "Modified by"))

LEDGER_DOCUMENTS = (
    Dataset("apbill", "intacct", "RECORDNO", "WHENMODIFIED", object_name="APBILL", columns=_cols(
        *_DOCUMENT[:3], ("VENDORID", "text", "Vendor ID"), ("VENDORNAME", "text", "Vendor name"),
        *_DOCUMENT[3:], ("RECORD_URL", "text", "Record URL"), *_ENTITY)),
    Dataset("apbillitem", "intacct", "RECORDNO", "WHENMODIFIED", object_name="APBILLITEM", columns=_cols(
        *_DOCUMENT_LINE, ("VENDORID", "text", "Vendor"), *_LINE_AUDIT, *_ENTITY)),
    Dataset("arinvoice", "intacct", "RECORDNO", "WHENMODIFIED", object_name="ARINVOICE", columns=_cols(
        *_DOCUMENT[:3], ("CUSTOMERID", "text", "Customer ID"), ("CUSTOMERNAME", "text", "Customer name"),
        *_DOCUMENT[3:], ("RECORD_URL", "text", "Record URL"), *_ENTITY)),
    Dataset("arinvoiceitem", "intacct", "RECORDNO", "WHENMODIFIED", object_name="ARINVOICEITEM", columns=_cols(
        *_DOCUMENT_LINE, ("CUSTOMERID", "text", "Customer"), ("ITEMID", "text", "Item"), *_LINE_AUDIT,
        *_ENTITY)),
    # One budgeted amount per budget, account and reporting period (PERIODKEY = REPORTINGPERIOD.RECORDNO).
    Dataset("glbudgetitem", "intacct", "RECORDNO", "WHENMODIFIED", object_name="GLBUDGETITEM", columns=_cols(
        ("RECORDNO", "integer", "Record number"), ("BUDGETKEY", "integer", "Budget key"),
        ("BUDGETID", "text", "Budget ID"), ("PERIODKEY", "integer", "Reporting period key"),
        ("PERIODNAME", "text", "Reporting period"), ("PSTARTDATE", "date", "Period start date"),
        ("PENDDATE", "date", "Period end date"), ("ACCT_NO", "text", "Account"),
        ("ACCTTITLE", "text", "Account title"), ("ACCOUNT_TYPE", "text", "Account type"),
        ("NORMALBALANCE", "text", "Normal balance"), ("DEPT_NO", "text", "Department"),
        ("LOCATION_NO", "text", "Location"), ("AMOUNT", "decimal", "Amount"),
        ("CURRENCY", "text", "Currency"), ("BASEDON", "text", "Based on"), ("NOTE", "text", "Notes"),
        *_AUDIT)),
)

DATASETS: dict[str, Dataset] = {dataset.name: dataset
                                for dataset in (*INTACCT, *LEDGER_DOCUMENTS, *HARVEST, *GENERIC, *CLOCKIFY,
                                                *QUICKBOOKS_TIME, *TOGGL)}
# Each time-tracking provider's time entries: what a delete, an edit or a new entry of its users changes (the
# pipeline's demo mutates and checks these; the sandbox's JSON line names them as `time_entries`).
PROVIDER_TIME_ENTRIES: dict[str, str] = {"harvest": "harvest_time_entries", "generic": "generic_entries",
                                         "clockify": "clockify_time_entries", "quickbooks_time": "qbtime_timesheets",
                                         "toggl": "toggl_time_entries"}
INTACCT_OBJECTS: dict[str, Dataset] = {dataset.object_name: dataset for dataset in (*INTACCT, *LEDGER_DOCUMENTS)}
