"""Default locations, relative to the working directory (`.data/` is git-ignored)."""

from pathlib import Path

STAGING_SCHEMA = "staging"
TARGET_SCHEMA = "analytics"  # where destination-mappings builds its targets (its default)
# Not `staging.duckdb`: DuckDB names a database after its file, and a database called `staging` makes every
# `staging.<table>` reference ambiguous ("Ambiguous reference to catalog or schema").
DEFAULT_DUCKDB_PATH = Path(".data/warehouse.duckdb")
DEFAULT_CATALOG_DIR = Path(".data/catalogs")
