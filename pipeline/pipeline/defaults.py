"""Default locations, relative to the working directory (`.data/` is git-ignored)."""

from pathlib import Path

STAGING_SCHEMA = "staging"
DEFAULT_DUCKDB_PATH = Path(".data/staging.duckdb")
DEFAULT_CATALOG_DIR = Path(".data/catalogs")
