"""Config mistakes told in words a person can act on: each names the field, what is wrong and how to fix it.

The CDK checks a config against `spec.yaml` too, but reports jsonschema's first error without the field
("does not match '^[0-9]{4}-…$'", "'generic' was expected" for a oneOf). The same spec is walked here, so
the spec stays the one definition of the config; a oneOf is resolved by its `const` discriminator first, so
the chosen provider's own missing field is named. Values of `airbyte_secret` fields are never quoted.
(source-time-tracking holds the same module: each connector is self-contained.)
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Any, Iterator, Mapping, Optional, Sequence
from urllib.parse import urlsplit

from airbyte_cdk.models import AirbyteConnectionStatus, FailureType, Status
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "object": (dict,), "boolean": (bool,),
              "array": (list,)}
TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", dict: "an object", bool: "true or false",
              list: "a list", type(None): "null"}


class PlainCheckMessage:
    """Mixed in before `AbstractSource`: a FAILED `check` carries its message as written, a sentence. The CDK's
    own `check` sends the `repr()` of it: quoted, with every quote and backslash escaped."""

    def check(self, logger: Any, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        succeeded, message = self.check_connection(logger, config)
        if succeeded:
            return AirbyteConnectionStatus(status=Status.SUCCEEDED)
        return AirbyteConnectionStatus(status=Status.FAILED, message=str(message))


def config_problems(config: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Every value that breaks the spec: a missing required field, a wrong type, a format or a bound."""
    return list(_value_problems(spec, config, ()))


def unknown_key_problems(config: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Keys the spec does not define (a typo silently changes nothing else), each with the closest valid key."""
    return list(_unknown_keys(spec, config, ()))


def unknown_stream_problems(configured: Sequence[str], available: Sequence[str]) -> list[str]:
    """Streams a catalog names that the source does not have (the CDK would skip them and exit 0)."""
    problems = []
    for name in configured:
        if name not in available:
            closest = difflib.get_close_matches(name, list(available), n=1, cutoff=0.6)
            fix = f"did you mean '{closest[0]}'?" if closest else f"the streams are {', '.join(sorted(available))}."
            problems.append(f"The catalog names the stream '{name}', which this source does not have: {fix}")
    return problems


def url_problem(url: str, what: str, *, user_info: bool = False) -> Optional[str]:
    """Why credentials must not be sent to `url`, or None. https with a host; plain http only to a loopback
    host (a local emulator); no query or fragment (the connector adds its own); no user-info unless the API may
    take it (`user_info`: then its password is masked in output). A URL that may hold a secret is never quoted."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return f"{what} is not a URL."
    if not user_info and (parts.username is not None or parts.password is not None):
        return f"{what} must not hold a user name or password before '@': the connector sends its own credentials."
    if parts.query or parts.fragment:
        return f"{what} must not hold a query ('?…') or a fragment ('#…')."
    if not host or not (parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host))):
        shown = f"; got '{url}'" if parts.password is None else ""
        return f"{what} must be an https URL (plain http is accepted only for loopback hosts such as 127.0.0.1){shown}."
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def raise_on_problems(config: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
    """A config_error listing every problem; unknown keys join them, as a misspelt key is often the missing one."""
    problems = config_problems(config, spec)
    if problems:
        raise invalid_config(problems + unknown_key_problems(config, spec))


def invalid_config(problems: Sequence[str], what: str = "config") -> AirbyteTracedException:
    message = f"Invalid {what}: " + " ".join(problems)
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


def _value_problems(schema: Mapping[str, Any], value: Any, path: tuple[str, ...]) -> Iterator[str]:
    if "oneOf" in schema:
        branch, problem = _chosen_branch(schema, value, path)
        if problem:
            yield problem
        else:
            yield from _value_problems(branch, value, path)
        return
    expected = schema.get("type")
    if expected and not _has_type(value, expected):
        yield f"{_name(path)} must be {_type_name(expected)}; got {TYPE_NAMES.get(type(value), type(value).__name__)}."
        return
    if isinstance(value, str) and value and not value.strip():
        yield f"{_name(path)} holds only spaces: leave it out or give a value."
        return
    if isinstance(value, dict):
        yield from _object_problems(schema, value, path)
    if "const" in schema and value != schema["const"]:
        yield f"{_name(path)} must be '{schema['const']}'."
    if "enum" in schema and value not in schema["enum"]:
        yield f"{_name(path)} must be one of {', '.join(repr(v) for v in schema['enum'])}{_got(schema, value)}."
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        yield f"{_name(path)} must be written like {_example(schema)}{_got(schema, value)}."
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            yield f"{_name(path)} must be {_bounds(low, high)}; got {value}."


def _object_problems(schema: Mapping[str, Any], value: dict, path: tuple[str, ...]) -> Iterator[str]:
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    for key in required:
        if _blank(value.get(key)):
            described = properties.get(key, {})
            hint = described.get("description") or described.get("title") or ""
            yield f"{_name(path + (key,))} is missing{_for_branch(schema)}: {hint}".rstrip(": .") + "."
    for key, item in value.items():
        if key in required and _blank(item):
            continue  # told as missing above
        # an empty optional string means "use the default", unless the field's pattern says what it must hold
        if key in properties and item is not None and not (item == "" and "pattern" not in properties[key]):
            yield from _value_problems(properties[key], item, path + (key,))
        elif key not in properties and isinstance(schema.get("additionalProperties"), dict):
            yield from _value_problems(schema["additionalProperties"], item, path + (key,))


def _unknown_keys(schema: Mapping[str, Any], value: Any, path: tuple[str, ...]) -> Iterator[str]:
    if not isinstance(value, dict):
        return
    if "oneOf" in schema:
        branch, problem = _chosen_branch(schema, value, path)
        if not problem:
            yield from _unknown_keys(branch, value, path)
        return
    properties = schema.get("properties", {})
    if not properties or isinstance(schema.get("additionalProperties"), dict):
        return
    for key, item in value.items():
        if key in properties:
            yield from _unknown_keys(properties[key], item, path + (key,))
        elif not key.startswith("_"):  # the platform's internal keys (`_limit`, `_page_size`) start with "_"
            closest = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.6)
            fix = f"did you mean '{_name(path + (closest[0],))}'?" if closest else \
                f"the valid keys here are {', '.join(sorted(properties))}."
            yield f"Unknown key '{_name(path + (key,))}' is ignored: {fix}"


def _chosen_branch(schema: Mapping[str, Any], value: Any, path: tuple[str, ...]) -> tuple[Mapping[str, Any], Optional[str]]:
    """The oneOf branch whose `const` discriminator the value names, or the problem that none is named."""
    branches = schema["oneOf"]
    discriminator = _discriminator(branches)
    if not isinstance(value, dict):
        return {}, f"{_name(path)} must be an object; got {TYPE_NAMES.get(type(value), type(value).__name__)}."
    if discriminator is None:
        return {}, f"{_name(path)} matches none of its forms."
    choices = {branch["properties"][discriminator]["const"]: branch for branch in branches}
    chosen = value.get(discriminator)
    if chosen in choices:
        return choices[chosen], None
    what = "is missing" if chosen in (None, "") else f"is '{chosen}'"
    return {}, f"{_name(path + (discriminator,))} {what}; it must be one of {', '.join(repr(c) for c in choices)}."


def _discriminator(branches: Sequence[Mapping[str, Any]]) -> Optional[str]:
    names = [{key for key, prop in branch.get("properties", {}).items() if "const" in prop} for branch in branches]
    common = set.intersection(*names) if names else set()
    return next(iter(sorted(common)), None)


def _for_branch(schema: Mapping[str, Any]) -> str:
    return f" ({schema['title']} requires it)" if "oneOf" not in schema and _is_branch(schema) else ""


def _is_branch(schema: Mapping[str, Any]) -> bool:
    return "title" in schema and any("const" in prop for prop in schema.get("properties", {}).values())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _has_type(value: Any, expected: str) -> bool:
    if isinstance(value, bool) and expected in ("integer", "number"):
        return False
    return isinstance(value, JSON_TYPES.get(expected, (object,)))


def _type_name(expected: str) -> str:
    return {"string": "a string", "integer": "a whole number", "number": "a number", "object": "an object",
            "boolean": "true or false", "array": "a list"}.get(expected, expected)


def _example(schema: Mapping[str, Any]) -> str:
    examples = schema.get("examples") or []
    described = f" ({schema['pattern_descriptor']})" if "pattern_descriptor" in schema else ""
    return f"{examples[0]}{described}" if examples else f"the pattern {schema['pattern']}"


def _got(schema: Mapping[str, Any], value: Any) -> str:
    """The wrong value, quoted when that is safe: never a secret field's, nor a URL's that may carry user-info."""
    text = str(value)
    if schema.get("airbyte_secret") or "@" in text or "://" in text or len(text) > 40:
        return ""
    return f"; got '{text}'"


def _bounds(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _name(path: tuple[str, ...]) -> str:
    return ".".join(path) or "the config"
