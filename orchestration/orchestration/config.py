"""The flow's settings: a YAML file validated by pydantic, with every secret named, never written, in it.

A secret (the Airbyte client id and secret, a warehouse DSN with a password) is a reference: `{env: NAME}`
(an environment variable) or `{prefect_secret: BLOCK}` (a Prefect Secret block). A plain string in its place
is refused, and so is a DSN that carries a password: the file can be committed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DUCKDB_SCHEME = "duckdb:///"


class ConfigError(ValueError):
    """The config file is missing, unreadable or invalid; the message says which key and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
    """Where a secret lives: exactly one of an environment variable and a Prefect Secret block."""

    env: str | None = None
    prefect_secret: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "SecretRef":
        if (self.env is None) == (self.prefect_secret is None):
            raise ValueError("name exactly one of `env` and `prefect_secret`")
        return self

    def resolve(self, what: str) -> str:
        """The secret's value; a clear error (naming the variable or block, never a value) when it is missing."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigError(f"{what}: environment variable {self.env} is not set")
            return value
        from prefect.blocks.system import Secret  # a Prefect API call: only when a block is named

        try:
            return str(Secret.load(self.prefect_secret).get())
        except ValueError as error:
            raise ConfigError(f"{what}: Prefect Secret block {self.prefect_secret!r} cannot be loaded: {error}") from None


def _secret_reference(value: object) -> object:
    if isinstance(value, str):
        raise ValueError("secrets are never read from the config file: write {env: VARIABLE} or "
                         "{prefect_secret: BLOCK_NAME}")
    return value


class AirbyteSettings(_Strict):
    """The Airbyte platform: its public API, the workspace, and one connection id per project connection."""

    api_root: str = Field(description="e.g. http://localhost:8000/api/public/v1 (self-managed)")
    workspace_id: str
    client_id: SecretRef = SecretRef(env="AIRBYTE_CLIENT_ID")
    client_secret: SecretRef = SecretRef(env="AIRBYTE_CLIENT_SECRET")
    connections: dict[str, str] = Field(min_length=1, description="connection name (mapping source) → connection id")
    poll_seconds: float = Field(15, gt=0)
    timeout_minutes: float = Field(180, gt=0)

    _secrets = field_validator("client_id", "client_secret", mode="before")(_secret_reference)

    @field_validator("api_root")
    @classmethod
    def _api_root(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as http://localhost:8000/api/public/v1")
        return value.rstrip("/")


class WarehouseSettings(_Strict):
    """Where the staging tables are and the mappings build their targets."""

    dsn: str | SecretRef = Field(description="postgresql://user@host:port/db (password from PGPASSWORD or a "
                                             "secret reference) or duckdb:///path/to/file.duckdb")

    @field_validator("dsn")
    @classmethod
    def _no_password(cls, value: str | SecretRef) -> str | SecretRef:
        if isinstance(value, str) and not value.startswith(DUCKDB_SCHEME):
            try:
                has_password = bool(psycopg.conninfo.conninfo_to_dict(value).get("password"))
            except psycopg.ProgrammingError:
                raise ValueError("is neither a PostgreSQL DSN nor duckdb:///<path>") from None
            if has_password:
                raise ValueError("holds a password: give the DSN as {env: VARIABLE} or {prefect_secret: BLOCK}, "
                                 "or the password in PGPASSWORD")
        return value

    def resolve_dsn(self) -> str:
        return self.dsn.resolve("warehouse.dsn") if isinstance(self.dsn, SecretRef) else self.dsn


class MappingSettings(_Strict):
    """`destination_mappings.apply_mappings` arguments of the platform mode."""

    staging_schema: str = "staging"
    target_schema: str = "analytics"
    variables: dict[str, str] = {}
    paths: list[Path] = Field([], description="mapping files or folders (default: the shipped mappings)")


class LocalSettings(_Strict):
    """`pipeline run` settings of the local mode; source configs stay in their git-ignored JSON files."""

    configs_dir: Path = Path("secrets")
    catalog_dir: Path = Path(".data/catalogs")
    full_refresh: bool = False
    accept_schema_changes: bool = False  # `pipeline run --accept-schema-changes`: apply breaking schema changes


class ScheduleSettings(_Strict):
    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    retries: int = Field(1, ge=0)
    retry_delay_minutes: float = Field(30, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/London)") from None
        return value


class OrchestrationConfig(_Strict):
    mode: Literal["airbyte", "local"] = "airbyte"
    airbyte: AirbyteSettings | None = None
    warehouse: WarehouseSettings
    mappings: MappingSettings = MappingSettings()
    local: LocalSettings = LocalSettings()
    schedule: ScheduleSettings = ScheduleSettings()

    @model_validator(mode="after")
    def _airbyte_when_needed(self) -> "OrchestrationConfig":
        if self.mode == "airbyte" and self.airbyte is None:
            raise ValueError("mode airbyte needs an `airbyte` section (api_root, workspace_id, connections)")
        if self.mode == "local" and len(self.mappings.paths) > 1:
            raise ValueError("mode local (`pipeline run`) takes one mapping file or folder in mappings.paths")
        return self


def load_config(path: Path | str) -> OrchestrationConfig:
    """Read and validate the YAML file; relative paths in it are taken from the file's folder."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must hold a mapping of settings")
    try:
        config = OrchestrationConfig.model_validate(data)
    except ValidationError as error:
        problems = "\n".join(f"  {'.'.join(map(str, problem['loc'])) or '(top level)'}: "
                             f"{problem['msg'].removeprefix('Value error, ')}"
                             for problem in error.errors(include_input=False))
        raise ConfigError(f"config {path} is invalid:\n{problems}") from None
    return _relative_to(config, path.parent)


def _relative_to(config: OrchestrationConfig, folder: Path) -> OrchestrationConfig:
    def anchored(value: Path) -> Path:
        return value if value.is_absolute() else folder / value

    local = config.local.model_copy(update={"configs_dir": anchored(config.local.configs_dir),
                                            "catalog_dir": anchored(config.local.catalog_dir)})
    mappings = config.mappings.model_copy(update={"paths": [anchored(p) for p in config.mappings.paths]})
    warehouse = config.warehouse
    if isinstance(warehouse.dsn, str) and warehouse.dsn.startswith(DUCKDB_SCHEME):
        warehouse = warehouse.model_copy(
            update={"dsn": DUCKDB_SCHEME + str(anchored(Path(warehouse.dsn.removeprefix(DUCKDB_SCHEME))))})
    return config.model_copy(update={"local": local, "mappings": mappings, "warehouse": warehouse})
