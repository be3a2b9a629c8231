"""Airbyte's standard tests (spec, check, discover, read) for both providers, run in-process.

Scenarios come from `acceptance-test-config.yml`; its `secrets/` configs are read from the session's
temporary folder instead (`with_test_configs`), written there by `conftest.py` to point at the sandbox.
"""

from airbyte_cdk.test import standard_tests
from boltons.typeutils import classproperty  # the decorator of the CDK's own `acceptance_test_config`

from integration_tests.conftest import with_test_configs

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]


class TestSourceTimeTracking(standard_tests.SourceTestSuiteBase):
    """Runs every standard test; the connector class is inferred from the folder name."""

    @classproperty
    def acceptance_test_config(cls):
        return with_test_configs(super().acceptance_test_config)
