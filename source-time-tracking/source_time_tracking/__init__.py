"""Airbyte source for time tracking: a generic offset-paginated REST API and Harvest v2."""

from source_time_tracking.source import SourceTimeTracking

__all__ = ["SourceTimeTracking"]
