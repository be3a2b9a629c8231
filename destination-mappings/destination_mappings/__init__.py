"""destination-mappings: declarative mappings from Airbyte staging tables into the dashboard's tables.

The pipeline calls `apply_mappings(dsn_or_connection, catalogs={...})` after every sync.
"""

from .apply import ApplyReport, TargetReport, apply_mappings, check_mappings
from .database import DatabaseUnavailable
from .loader import load_mappings, shipped_mappings_dir
from .usage import FieldUse, fields_read
from .validation import MappingError, MappingValidationError

__all__ = ["ApplyReport", "DatabaseUnavailable", "FieldUse", "MappingError", "MappingValidationError", "TargetReport", "apply_mappings",
           "check_mappings", "fields_read", "load_mappings", "shipped_mappings_dir"]
