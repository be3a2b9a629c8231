"""A local stand-in for Sage Intacct's XML gateway, Harvest v2 and a generic time API, serving a seeded
synthetic company ("Northwind Field Services") with mutations, faults and ground truth for tests."""

from .catcher import CaughtRequest, running_catcher
from .client import SandboxControl, SandboxControlError
from .secret_scan import secret_leaks
from .server import RunningSandbox, SandboxServer, running_sandbox, sandbox_info
from .store import Store

__all__ = ["CaughtRequest", "RunningSandbox", "SandboxControl", "SandboxControlError", "SandboxServer", "Store",
           "running_catcher", "running_sandbox", "sandbox_info", "secret_leaks"]
