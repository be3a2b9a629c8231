"""The modules both connectors hold in identical copies stay identical.

Each connector is self-contained (its image builds from its own folder), so the code both need for the same
job — response bounds, config checks against the spec, the entrypoint's input-file checks — is kept as one
module copied into each package. This test is what makes the copies one piece of code: a change to one copy
fails here until the other copy has it too.
"""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAGE = REPO / "source-sage-gl" / "source_sage_gl"
TIME = REPO / "source-time-tracking" / "source_time_tracking"
# What legitimately differs: the package, the console script and the source class names.
NAMES = re.compile(r"source_sage_gl|source_time_tracking|source-sage-gl|source-time-tracking|SourceSageGl|"
                   r"SourceTimeTracking|SageGlEntrypoint|TimeTrackingEntrypoint")


@pytest.mark.parametrize("module", ["bounded_http.py", "cdk_logs.py", "config_check.py", "run.py", "unreachable.py"])
def test_the_shared_module_is_the_same_in_both_connectors(module):
    sage, time = (NAMES.sub("<name>", (package / module).read_text()) for package in (SAGE, TIME))

    assert sage == time, f"{module} differs between the connectors: change both copies the same way"
