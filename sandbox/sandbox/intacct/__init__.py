"""Emulator of the Sage Intacct XML Web Services gateway (see `emulator.py`)."""

from .emulator import ENDPOINT, Credentials, IntacctEmulator

__all__ = ["ENDPOINT", "Credentials", "IntacctEmulator"]
