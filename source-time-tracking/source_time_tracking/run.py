"""Console-script entry point (`source-time-tracking`): the CDK's entrypoint, with input and config mistakes told plainly.

1. The `--config`, `--catalog` and `--state` files are checked first: the CDK reports one that is missing, not
   JSON or of the wrong JSON type as "Something went wrong in the connector", with a traceback. Here it is a
   config error naming the file and what is wrong with it.
2. The config is checked against the spec by `config_check` before the CDK reads it (and again before the
   CDK's own check, for callers of the entrypoint class), so every command names the field and the fix.
A config error ends the command with its one error trace and exit status 1 (in `check`, a FAILED connection
status and exit 0), never a Python traceback; so does any error the connector raises on purpose (a transient
one such as an unreachable host, or a system error), whatever its type.
"""

import gc
import json
import sys
from pathlib import Path
from typing import Any, Mapping, Optional

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import ConnectorSpecification, FailureType
from airbyte_cdk.sources.utils.schema_helpers import split_config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.config_check import raise_on_problems
from source_time_tracking.source import SourceTimeTracking

# option → the JSON type its file must hold (a state file may also be empty: null, {} or [])
INPUT_FILES = {"config": dict, "catalog": dict, "state": list}
ERROR_TRACE = '{"type":"TRACE","trace":{"type":"ERROR"'  # how an error trace message begins, as serialized
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
              type(None): "null"}


class TimeTrackingEntrypoint(AirbyteEntrypoint):
    @staticmethod
    def validate_connection(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        user_config, _ = split_config(config)
        raise_on_problems(user_config, source_spec.connectionSpecification)
        AirbyteEntrypoint.validate_connection(source_spec, config)


def run() -> None:
    entrypoint = TimeTrackingEntrypoint(SourceTimeTracking())
    parsed_args = entrypoint.parse_args(sys.argv[1:])
    problem = input_file_problem(parsed_args) or config_problem(entrypoint, parsed_args)
    if problem is not None:
        error = AirbyteTracedException(message=problem, internal_message=problem, failure_type=FailureType.config_error)
        message = error.as_connection_status_message() if parsed_args.command == "check" else error.as_airbyte_message()
        print(AirbyteEntrypoint.airbyte_message_to_string(message))
        sys.exit(0 if parsed_args.command == "check" else 1)
    # What the imports and the setup made lives as long as the process: out of the collector's generations, its
    # full collections (one every few pages of records) no longer walk those objects again.
    gc.freeze()
    error_emitted = False
    try:
        with PRINT_BUFFER:
            for message in entrypoint.run(parsed_args):
                error_emitted = error_emitted or message.startswith(ERROR_TRACE)
                print(f"{message}\n", end="")
    except AirbyteTracedException as error:
        # A read whose streams failed ends with the CDK's summary of their errors (typed a config error, whatever
        # they were), after each stream's own error trace: nothing more to say. Any other is the run's one trace,
        # from a new exception, never raised: it carries no Python traceback and no chained cause.
        if not error_emitted:
            AirbyteTracedException(message=error.message, internal_message=error.message,
                                   failure_type=error.failure_type or FailureType.system_error).emit_message()
        sys.exit(1)


def config_problem(entrypoint: AirbyteEntrypoint, parsed) -> Optional[str]:
    """The config's mistakes, found before the CDK registers its secret values for masking: a secret of spaces
    would otherwise mask every space of every message."""
    if getattr(parsed, "config", None) is None:
        return None
    user_config, _ = split_config(json.loads(Path(parsed.config).read_bytes()))
    try:
        raise_on_problems(user_config, entrypoint.source.spec(entrypoint.logger).connectionSpecification)
    except AirbyteTracedException as error:
        return error.message
    return None


def input_file_problem(parsed) -> Optional[str]:
    """What is wrong with the first unusable input file of the command, or None."""
    for option, expected in INPUT_FILES.items():
        path = getattr(parsed, option, None)
        if path is None:
            continue
        try:
            content = json.loads(Path(path).read_bytes())
        except FileNotFoundError:
            return f"The {option} file '{path}' does not exist."
        except OSError as error:
            return f"The {option} file '{path}' cannot be read: {error.strerror}."
        except json.JSONDecodeError as error:
            return f"The {option} file '{path}' is not JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        except UnicodeDecodeError:
            return f"The {option} file '{path}' is not JSON: it is not UTF-8 text."
        if not isinstance(content, expected) and not (option == "state" and not content):
            return (f"The {option} file '{path}' must hold a JSON {JSON_TYPES[expected]}; "
                    f"it holds a JSON {JSON_TYPES[type(content)]}.")
    return None
