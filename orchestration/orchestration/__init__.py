"""The nightly flow in Prefect 3: the project's connections synced on the Airbyte platform (public API, through
PyAirbyte's `airbyte.cloud`) or locally (`pipeline run`), then the dashboard tables rebuilt by
destination-mappings."""
