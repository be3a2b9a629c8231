"""Console entry point `source-time-tracking`."""

import sys

from airbyte_cdk.entrypoint import launch

from source_time_tracking.source import SourceTimeTracking


def run() -> None:
    launch(SourceTimeTracking(), sys.argv[1:])
