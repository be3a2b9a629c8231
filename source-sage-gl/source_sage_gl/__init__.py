"""Airbyte source for the Sage Intacct general ledger."""

import gc

# Importing the CDK creates some 200,000 container objects, none of them garbage: the cyclic collector, run every 700
# allocations, would walk them over and over while they are made (about 0.25 CPU s of every start), and once enabled
# again it would walk them all in its next collections (another 0.2 s). So they are made with the collector off and
# then moved out of its generations for good (`gc.freeze`): they live as long as the process anyway.
_collecting = gc.isenabled()
gc.disable()
try:
    from source_sage_gl.source import SourceSageGl
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

__all__ = ["SourceSageGl"]
