"""destination-mappings: declarative mappings from the `staging` schema into the dashboard's tables."""

from setuptools import setup

setup(
    name="destination-mappings",
    version="0.1.0",
    description="Declarative mappings from Airbyte staging tables into analytics tables, compiled to SQL with sqlglot",
    python_requires=">=3.10",
    # The shipped mapping files live inside the package directory, so every install mode finds them: a wheel,
    # an editable install in setuptools' finder mode, and one in compat mode (which only puts this folder
    # on sys.path).
    packages=["destination_mappings", "destination_mappings.mappings"],
    package_data={"destination_mappings.mappings": ["*.yaml"]},
    install_requires=[
        "sqlglot>=25",
        "pyyaml>=6",
        "pydantic>=2,<3",
        "psycopg[binary]>=3.1,<4",
        "duckdb>=1.0",  # unpinned: PyAirbyte pins its own version in the same environment
    ],
    entry_points={"console_scripts": ["destination-mappings=destination_mappings.cli:main"]},
)
