"""The CDK's standard tests, driven by `acceptance-test-config.yml` (run with `-m "not image_tests"`)."""

from airbyte_cdk.test import standard_tests
from boltons.typeutils import classproperty  # the decorator of the CDK's own `acceptance_test_config`

from integration_tests.conftest import with_test_configs

pytest_plugins = [
    "airbyte_cdk.test.standard_tests.pytest_hooks",
]


class TestAirbyteStandardTests(standard_tests.SourceTestSuiteBase):
    """Test suite for the Airbyte standard tests.

    This class inherits from SourceTestSuiteBase and implements all of the tests in the suite.

    As long as the class name starts with "Test", pytest will automatically discover and run the
    tests in this class. Its configs are read from the session's temporary folder, never from `secrets/`.
    """

    @classproperty
    def acceptance_test_config(cls):
        return with_test_configs(super().acceptance_test_config)
