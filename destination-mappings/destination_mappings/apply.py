"""Validate, compile and run the mappings: every target rebuilt in one transaction, with a report.

A target whose definition is unchanged since its last build is emptied and refilled (views on it survive);
a changed one is dropped and created again. The schema's ``_destination_mappings`` table records each
target's definition hash, last build time and row counts.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping as MappingType

from sqlglot import exp

from .catalog import as_streams
from .compiler import CompileError, Compiler, Settings, TargetPlan, create_table, identifier, table_ref
from .database import Database, connect
from .loader import load_mappings
from .models import Target
from .validation import MappingValidationError, ValidationResult, validate

BUILDS_TABLE = "_destination_mappings"
BUILDS = Target(table=BUILDS_TABLE, primary_key=["target_table"], columns={
    "target_table": "text", "definition_hash": "text", "built_at": "timestamptz",
    "rows_written": "bigint", "rows_excluded": "bigint"})


@dataclass
class TargetReport:
    table: str
    rows_written: int | None = None  # None: --check-only, nothing written
    excluded_by_source: dict[str, int] = field(default_factory=dict)
    rebuilt: str = ""  # "created" (new or changed definition) or "refilled"
    warnings: list[str] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded_by_source.values())


@dataclass
class ApplyReport:
    dialect: str
    target_schema: str
    check_only: bool
    targets: list[TargetReport] = field(default_factory=list)
    unchecked_connections: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def target(self, table: str) -> TargetReport:
        return next(report for report in self.targets if report.table == table)

    def summary(self) -> str:
        verb = "checked (nothing written)" if self.check_only else f"built in {self.seconds:.1f}s"
        lines = [f"destination-mappings: {len(self.targets)} target(s) in {self.target_schema} ({self.dialect}) {verb}"]
        for report in self.targets:
            written = "-" if report.rows_written is None else f"{report.rows_written:,}"
            lines.append(f"  {report.table:<28} rows written {written:>10}   excluded (_airbyte_meta changes) "
                         f"{report.rows_excluded:>6,}   {report.rebuilt}".rstrip())
            lines += [f"    excluded from {label}: {count:,}" for label, count in report.excluded_by_source.items() if count]
            lines += [f"    warning: {warning}" for warning in report.warnings]
        if self.unchecked_connections:
            lines.append(f"  no catalog given for {', '.join(self.unchecked_connections)}: "
                         "their fields were not checked before running")
        return "\n".join(lines)


def check_mappings(mappings: Iterable[Path | str] | None = None,
                   catalogs: MappingType[str, Any] | None = None) -> ValidationResult:
    """Load and validate the mapping files against the catalogs (connection → catalog); raises on errors."""
    loaded, errors = load_mappings(mappings)
    streams = {connection: as_streams(catalog) for connection, catalog in (catalogs or {}).items()}
    result = validate(loaded, streams)
    result.errors[:0] = errors
    result.raise_for_errors()
    return result


def apply_mappings(database: Any, *, catalogs: MappingType[str, Any] | None = None,
                   mappings: Iterable[Path | str] | None = None, staging_schema: str = "staging",
                   target_schema: str = "analytics", prefixes: MappingType[str, str] | None = None,
                   variables: MappingType[str, Any] | None = None, check_only: bool = False) -> ApplyReport:
    """Validate the mappings, then rebuild every target from the staging schema in one transaction.

    ``database``: a DSN or an open psycopg/duckdb connection. ``catalogs``: connection name → discovered
    catalog (dict, JSON file path, or PyAirbyte catalog model). ``mappings``: files or directories (default:
    the shipped ones). ``prefixes``: connection → staging table prefix (default ``<connection>__``).
    Raises `MappingValidationError` (nothing written) when a mapping does not fit the catalogs or the tables.
    """
    started = time.monotonic()
    result = check_mappings(mappings, catalogs)
    db = connect(database)
    try:
        settings = Settings(staging_schema, target_schema, dict(prefixes or {}), dict(variables or {}),
                            result.primary_keys, db.catalog)
        plans = compile_plans(db, result, settings)
        report = ApplyReport(db.dialect, target_schema, check_only,
                             unchecked_connections=sorted(result.unchecked_connections))
        for plan in plans:
            report.targets.append(TargetReport(plan.table, warnings=plan.warnings, sql=plan.sql(db.dialect)))
        if not check_only:
            with db.transaction():
                _build(db, plans, report, settings)
        report.seconds = time.monotonic() - started
        return report
    finally:
        db.close()


def compile_plans(db: Database, result: ValidationResult, settings: Settings) -> list[TargetPlan]:
    compiler = Compiler(db.dialect, db.schema_catalog(settings.staging_schema), settings,
                        {loaded.table: loaded.mapping.target for loaded in result.order})
    plans, errors = [], []
    for loaded in result.order:
        try:
            plans.append(compiler.compile(loaded))
        except CompileError as error:
            errors += error.errors
    if errors:
        raise MappingValidationError(errors)
    return plans


def _build(db: Database, plans: list[TargetPlan], report: ApplyReport, settings: Settings) -> None:
    schema, catalog = settings.target_schema, settings.catalog
    db.execute(exp.Create(this=exp.Table(this=identifier(schema), db=identifier(catalog) if catalog else None),
                          kind="SCHEMA", exists=True))
    builds = table_ref(schema, BUILDS_TABLE, catalog)
    existing = db.schema_catalog(schema)
    if existing.table(BUILDS_TABLE) is None:
        db.execute(create_table(builds, BUILDS))
    hashes = dict(db.query(exp.select("target_table", "definition_hash").from_(builds)))
    for plan, target_report in zip(plans, report.targets):
        definition_hash = hashlib.sha256(plan.create.sql(db.dialect, identify=True).encode()).hexdigest()
        table = table_ref(schema, plan.table, catalog)
        if existing.table(plan.table) is not None and hashes.get(plan.table) == definition_hash:
            db.execute(exp.TruncateTable(expressions=[table]))
            target_report.rebuilt = "refilled"
        else:
            db.execute(exp.Drop(tables=[table], kind="TABLE", exists=True))
            db.execute(plan.create)
            target_report.rebuilt = "created"
        db.execute(plan.insert)
        target_report.rows_written = db.query(exp.select(exp.Count(this=exp.Star())).from_(table))[0][0]
        target_report.excluded_by_source = {source.label: db.query(source.excluded)[0][0]
                                            for source in plan.sources if source.excluded is not None}
        key = exp.column("target_table").eq(exp.Literal.string(plan.table))
        db.execute(exp.delete(builds, where=key))
        db.execute(exp.insert(exp.select(exp.Literal.string(plan.table), exp.Literal.string(definition_hash),
                                         exp.CurrentTimestamp(), exp.Literal.number(target_report.rows_written),
                                         exp.Literal.number(target_report.rows_excluded)), builds))
