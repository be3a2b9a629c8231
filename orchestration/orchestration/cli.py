"""`python -m orchestration run|serve --config FILE`: the nightly flow once, or served on its schedule."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import ConfigError, load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestration", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("run", "run the flow once, now"),
                       ("serve", "serve the deployment: a run on the config's schedule, one at a time")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--config", required=True, type=Path, help="the YAML config (see config.example.yaml)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config_path = args.config.resolve()
    try:
        config = load_config(config_path)  # config errors before Prefect starts
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from .deployment import serve_nightly
    from .flow import nightly_sync

    if args.command == "serve":
        serve_nightly(config, config_path)
        return 0
    state = nightly_sync(str(config_path), return_state=True)
    if not state.is_completed():
        print(f"error: the nightly flow ended {state.name}: {state.message}", file=sys.stderr)
        return 1
    return 0
