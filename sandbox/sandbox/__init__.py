"""A local stand-in for Sage Intacct's XML gateway, Harvest v2 and a generic time API, serving a seeded
synthetic company ("Northwind Field Services") with mutations, faults and ground truth for tests."""

from .client import SandboxControl, SandboxControlError
from .server import RunningSandbox, SandboxServer, running_sandbox, sandbox_info
from .store import Store

__all__ = ["RunningSandbox", "SandboxControl", "SandboxControlError", "SandboxServer", "Store", "running_sandbox",
           "sandbox_info"]
