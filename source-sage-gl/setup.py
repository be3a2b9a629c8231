"""Packaging of the Sage Intacct general-ledger source (console script `source-sage-gl`)."""

from setuptools import find_packages, setup

setup(
    name="source-sage-gl",
    version="0.2.5",
    description="Airbyte source for the Sage Intacct general ledger (XML Web Services gateway).",
    python_requires=">=3.11,<3.14",
    packages=find_packages(include=["source_sage_gl", "source_sage_gl.*"]),
    package_data={"source_sage_gl": ["spec.yaml", "schemas/*.json"]},
    install_requires=[
        "airbyte-cdk==7.39.1",
        "lxml>=5.2",
        "requests>=2.31",
    ],
    extras_require={
        "tests": ["pytest>=7,<8", "requests-mock>=1.11", "freezegun>=1.4", "pytest-timeout>=2.3"],
    },
    entry_points={"console_scripts": ["source-sage-gl=source_sage_gl.run:run"]},
)
