"""Command line: ``destination-mappings apply --dsn … [--check-only]`` and ``destination-mappings check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .apply import apply_mappings, check_mappings
from .database import DatabaseUnavailable
from .validation import MappingValidationError


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, separator, rest = value.partition("=")
        if not separator or not name:
            raise SystemExit(f"{option} expects NAME=VALUE, got {value!r}")
        pairs[name] = rest
    return pairs


def _catalogs(args: argparse.Namespace) -> dict[str, Path]:
    catalogs = {path.stem: path for path in sorted(args.catalog_dir.glob("*.json"))} if args.catalog_dir else {}
    catalogs.update({name: Path(path) for name, path in _pairs(args.catalog, "--catalog").items()})
    return catalogs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="destination-mappings", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the mapping files against catalogs (no database)")
    apply = commands.add_parser("apply", help="validate, then rebuild every target from the staging schema")
    for command in (check, apply):
        command.add_argument("--mappings", action="append", type=Path, metavar="DIR_OR_FILE",
                             help="mapping files or directories (default: the shipped mappings)")
        command.add_argument("--catalog", action="append", default=[], metavar="CONNECTION=PATH",
                             help="a connection's discovered catalog (JSON), e.g. sage_gl=.data/catalogs/sage_gl.json")
        command.add_argument("--catalog-dir", type=Path, metavar="DIR",
                             help="a directory of <connection>.json catalogs (as the pipeline saves them)")
    apply.add_argument("--dsn", required=True, help="postgresql://… or duckdb:///path.duckdb")
    apply.add_argument("--check-only", action="store_true",
                       help="validate against the catalogs and the database's tables; write nothing")
    apply.add_argument("--staging-schema", default="staging")
    apply.add_argument("--target-schema", default="analytics")
    apply.add_argument("--prefix", action="append", default=[], metavar="CONNECTION=PREFIX",
                       help="staging table prefix of a connection (default: <connection>__)")
    apply.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                       help="a value for a mapping variable, e.g. harvest_account_id=1234567")
    apply.add_argument("--show-sql", action="store_true", help="print the SQL that rebuilds each target")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            result = check_mappings(args.mappings, _catalogs(args))
            print(f"{len(result.order)} mapping(s) valid: {', '.join(loaded.table for loaded in result.order)}")
            if result.unchecked_connections:
                print(f"no catalog given for {', '.join(sorted(result.unchecked_connections))}: fields not checked")
            return 0
        report = apply_mappings(args.dsn, catalogs=_catalogs(args), mappings=args.mappings,
                                staging_schema=args.staging_schema, target_schema=args.target_schema,
                                prefixes=_pairs(args.prefix, "--prefix"), variables=_pairs(args.var, "--var"),
                                check_only=args.check_only)
    except MappingValidationError as error:
        print(error, file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.show_sql:
        for target in report.targets:
            print(f"-- {target.table}\n" + ";\n".join(target.sql) + ";\n")
    print(report.summary())
    return 0
