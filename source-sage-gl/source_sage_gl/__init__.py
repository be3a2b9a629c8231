"""Airbyte source for the Sage Intacct general ledger."""

import gc

# Importing the CDK creates some 130,000 container objects, none of them garbage: the cyclic collector, run every 700
# allocations, would walk them over and over while they are made (about 0.25 CPU s of every start).
_collecting = gc.isenabled()
gc.disable()
try:
    from source_sage_gl.source import SourceSageGl
finally:
    if _collecting:
        gc.enable()

__all__ = ["SourceSageGl"]
