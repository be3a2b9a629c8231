"""The nightly flow (Prefect 3) over the Airbyte platform's public API, or over the local pipeline."""

from setuptools import find_packages, setup

setup(
    name="orchestration",
    version="0.1.0",
    description="Prefect 3 flow: the project's Airbyte connections (or `pipeline run`), then destination-mappings.",
    packages=find_packages(include=["orchestration", "orchestration.*"]),
    python_requires=">=3.11,<3.13",
    # Also needed: `destination-mappings` (the mapping step), `pipeline` (local mode) and, for the tests,
    # `sandbox`. They are packages of this repository, installed next to this one by `make install`; they are
    # not listed here because pip would look those names up on PyPI, where they may belong to other projects.
    install_requires=[
        "prefect>=3.9,<3.10",
        "airbyte==0.71.3",  # airbyte.cloud: the Airbyte API client (it brings airbyte-api<1.0)
        "pydantic>=2",
        "pyyaml>=6",
        "psycopg[binary]>=3.1,<4",
    ],
)
