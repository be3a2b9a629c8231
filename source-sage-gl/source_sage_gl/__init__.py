"""Airbyte source for the Sage Intacct general ledger."""

from source_sage_gl.source import SourceSageGl

__all__ = ["SourceSageGl"]
