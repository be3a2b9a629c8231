"""Console-script entry point (`source-time-tracking`): the CDK's `launch`, once the input files are usable.

The CDK reports a `--config`, `--catalog` or `--state` file that is missing, not JSON or of the wrong JSON type
as "Something went wrong in the connector", with a traceback. Each file is checked here first and a problem is
a config error that names the file and what is wrong with it: `check` prints a FAILED connection status (and
exits 0, as for any config error), every other command prints one error trace and exits 1.
"""

import json
import sys
from pathlib import Path
from typing import Optional

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.source import SourceTimeTracking

# option → the JSON type its file must hold (a state file may also be empty: null, {} or [])
INPUT_FILES = {"config": dict, "catalog": dict, "state": list}
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
              type(None): "null"}


def run() -> None:
    args = sys.argv[1:]
    parsed = AirbyteEntrypoint.parse_args(args)
    problem = input_file_problem(parsed)
    if problem is None:
        launch(SourceTimeTracking(), args)
        return
    error = AirbyteTracedException(message=problem, internal_message=problem, failure_type=FailureType.config_error)
    message = error.as_connection_status_message() if parsed.command == "check" else error.as_airbyte_message()
    print(AirbyteEntrypoint.airbyte_message_to_string(message))
    sys.exit(0 if parsed.command == "check" else 1)


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
