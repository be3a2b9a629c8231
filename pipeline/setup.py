"""The local pipeline: PyAirbyte loads both sources into a staging schema, then destination-mappings."""

from setuptools import find_packages, setup

setup(
    name="pipeline",
    version="0.1.0",
    description="Local loads of source-sage-gl and source-time-tracking with PyAirbyte, and `make demo`.",
    packages=find_packages(include=["pipeline", "pipeline.*"]),
    python_requires=">=3.11,<3.13",
    # Also needed: `sandbox` (the demo), `destination-mappings` (run, demo) and the two sources' console
    # scripts. They are packages of this repository, installed next to this one by `make install`; they are
    # not listed here because pip would look those names up on PyPI, where they may belong to other projects.
    install_requires=[
        "airbyte==0.71.3",
        "duckdb",  # left unpinned: PyAirbyte pins the version
        "psycopg[binary]>=3.1,<4",
        "matplotlib>=3.8",
        "PyYAML>=6",  # source-time-tracking's spec names its providers (`connections.time_tracking_providers`)
    ],
)
