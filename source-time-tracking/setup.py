"""Packaging of source-time-tracking (the Airbyte image template runs `pip install .` and execs the console script)."""

from setuptools import find_packages, setup

setup(
    name="source-time-tracking",
    version="0.3.4",
    description="Airbyte source for time tracking: a generic offset-paginated REST API and Harvest v2.",
    packages=find_packages(include=["source_time_tracking", "source_time_tracking.*"]),
    package_data={"source_time_tracking": ["spec.yaml", "schemas/*.json"]},
    python_requires=">=3.11,<3.12",
    install_requires=["airbyte-cdk==7.39.1", "pendulum", "pydantic>=2,<3", "requests"],
    entry_points={"console_scripts": ["source-time-tracking=source_time_tracking.run:run"]},
)
