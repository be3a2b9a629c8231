"""Local loads of the project's sources with PyAirbyte, then destination-mappings.

PyAirbyte reads `AIRBYTE_OFFLINE_MODE` and `DO_NOT_TRACK` when it is first imported, so they are set here,
before any module of this package imports it: the sources are local console scripts, not registry
connectors, and no telemetry leaves the machine.
"""

import os
import warnings

os.environ["AIRBYTE_OFFLINE_MODE"] = "1"
os.environ["DO_NOT_TRACK"] = "1"
# PyAirbyte imports Google's BigQuery clients, which warn about Python 3.11's end of life on import.
warnings.filterwarnings("ignore", message="You are using a Python version", category=FutureWarning)
