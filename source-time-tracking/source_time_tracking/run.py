"""Console-script entry point (`source-time-tracking`): the CDK's `launch`, with config mistakes told plainly.

The config is checked against the spec by `config_check` before the CDK's own check, so every command names
the field and the fix; a config error then ends the command with its one error trace and exit status 1 (in
`check`, a FAILED connection status), never a Python traceback.
"""

import sys
from typing import Any, Mapping

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import ConnectorSpecification, FailureType
from airbyte_cdk.sources.utils.schema_helpers import split_config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.config_check import raise_on_problems
from source_time_tracking.source import SourceTimeTracking


class TimeTrackingEntrypoint(AirbyteEntrypoint):
    @staticmethod
    def validate_connection(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        user_config, _ = split_config(config)
        raise_on_problems(user_config, source_spec.connectionSpecification)
        AirbyteEntrypoint.validate_connection(source_spec, config)


def run() -> None:
    entrypoint = TimeTrackingEntrypoint(SourceTimeTracking())
    parsed_args = entrypoint.parse_args(sys.argv[1:])
    try:
        with PRINT_BUFFER:
            for message in entrypoint.run(parsed_args):
                print(f"{message}\n", end="")
    except AirbyteTracedException as error:
        if error.failure_type != FailureType.config_error:
            raise
        # A new exception, never raised: its trace message carries no Python traceback and no chained cause.
        AirbyteTracedException(message=error.message, internal_message=error.message,
                               failure_type=FailureType.config_error).emit_message()
        sys.exit(1)
