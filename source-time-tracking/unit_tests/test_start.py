"""The start of every command: importing the connector leaves Python's cyclic collector on, and what the import
made (the CDK's ~200,000 objects, none of them garbage) out of its generations, so no collection of the read
walks them."""

import subprocess
import sys

PROBE = "import gc; import source_time_tracking; print(gc.isenabled(), gc.get_freeze_count())"


def test_the_import_leaves_the_collector_on_with_its_objects_frozen():
    enabled, frozen = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True,
                                     text=True).stdout.split()
    assert enabled == "True"
    assert int(frozen) > 100_000
