"""Airbyte's standard tests (spec, check, discover, read) for both providers, run in-process.

Scenarios come from `acceptance-test-config.yml`; its `secrets/` configs point at the sandbox started by
`conftest.py`.
"""

from airbyte_cdk.test import standard_tests

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]


class TestSourceTimeTracking(standard_tests.SourceTestSuiteBase):
    """Runs every standard test; the connector class is inferred from the folder name."""
