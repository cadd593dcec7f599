"""Read template.yaml into FunctionSpecs: parameters, Globals and intrinsics resolved for the local case."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localrun.cfn_yaml import load_yaml
from localrun.intrinsics import Pseudo, Resolver
from localrun.model import FunctionSpec
from localrun.triggers import api_trigger, kafka_trigger, schedule_trigger
from localrun.usage import TemplateError, UsageError

log = logging.getLogger(__name__)

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
_RUN_PROPERTIES = {"FunctionName", "CodeUri", "Handler", "Timeout", "MemorySize", "Environment", "Layers", "Events"}


@dataclass(frozen=True)
class Template:
    """A loaded template: its functions, and the resolver that produced them."""

    path: Path
    functions: tuple[FunctionSpec, ...]
    resolver: Resolver

    def select(self, only: Collection[str]) -> list[FunctionSpec]:
        """The functions `only` names by logical id or FunctionName, all when it is empty."""
        if not only:
            return list(self.functions)
        chosen = [spec for spec in self.functions if {spec.logical_id, spec.function_name} & set(only)]
        unknown = set(only) - {name for spec in chosen for name in (spec.logical_id, spec.function_name)}
        if unknown:
            names = ", ".join(spec.logical_id for spec in self.functions)
            raise UsageError(f"--only {', '.join(sorted(unknown))}: no such function in {self.path}; one of: {names}")
        return chosen


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """Accept `Key=Value` and sam's `ParameterKey=Key,ParameterValue=Value`, several per item."""
    overrides: dict[str, str] = {}
    for item in items:
        for token in item.split():
            if token.startswith("ParameterKey="):
                key_part, _, value_part = token.partition(",ParameterValue=")
                overrides[key_part.removeprefix("ParameterKey=")] = value_part
            else:
                key, sep, value = token.partition("=")
                if not sep:
                    raise UsageError(
                        f"--parameter-overrides {token!r}: write Key=Value (or ParameterKey=Key,ParameterValue=Value)"
                    )
                overrides[key] = value
    return overrides


def merge_globals(globals_: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's rules: maps merge (the function wins), lists concatenate, scalars are overridden."""
    merged = dict(globals_)
    for key, value in properties.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + value
        else:
            merged[key] = value
    return merged


def _parameter_values(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        value = overrides.get(name, spec.get("Default"))
        if value is None:
            # Deploy-time values (cluster ARN, subnets) mean nothing locally; a placeholder keeps !Sub usable.
            log.warning("parameter has no default and no override; using a placeholder", extra={"parameter": name})
            value = f"local-{name}"
        is_list = str(spec.get("Type", "")).startswith(("List<", "CommaDelimitedList"))
        values[name] = [v.strip() for v in str(value).split(",")] if is_list else str(value)
    return values


def load_template(path: Path, overrides: Mapping[str, str], pseudo: Pseudo | None = None) -> Template:
    """Load the template and describe each of its (enabled) AWS::Serverless::Function resources.

    TemplateError, one line that names the file and the resource, when something is missing or malformed.
    """
    raw = load_yaml(path)
    try:
        return _load(path, raw, overrides, pseudo or Pseudo())
    except (TemplateError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise TemplateError(f"{path}: {_reason(error)}") from error


def _load(path: Path, raw: Mapping[str, Any], overrides: Mapping[str, str], pseudo: Pseudo) -> Template:
    resources = raw.get("Resources", {})
    resolver = Resolver(
        parameters=_parameter_values(raw.get("Parameters", {}), overrides),
        resources=resources,
        conditions=raw.get("Conditions", {}),
        mappings=raw.get("Mappings", {}),
        pseudo=pseudo,
    )
    globals_ = raw.get("Globals", {})
    functions = []
    for logical_id, resource in resources.items():
        try:
            if resource.get("Type") == SERVERLESS_FUNCTION and (
                "Condition" not in resource or resolver.condition(resource["Condition"])
            ):
                functions.append(_function(path.parent, logical_id, resource, globals_, resolver))
        except (TemplateError, KeyError, TypeError, ValueError, AttributeError) as error:
            raise TemplateError(f"{logical_id}: {_reason(error)}") from error
    return Template(path=path, functions=tuple(functions), resolver=resolver)


def _reason(error: Exception) -> str:
    """What is wrong, in words: a KeyError is a property or name the template lacks."""
    return f"no {error.args[0]}" if isinstance(error, KeyError) else str(error)


def _function(
    base: Path, logical_id: str, resource: Mapping[str, Any], globals_: Mapping[str, Any], resolver: Resolver
) -> FunctionSpec:
    merged = merge_globals(globals_.get("Function", {}), resource.get("Properties", {}))
    # IAM policies, VPC config and the like mean nothing locally; resolving them could only fail.
    props = resolver.resolve({key: value for key, value in merged.items() if key in _RUN_PROPERTIES})
    api_defaults = _api_defaults(globals_.get("Api", {}), resolver)
    triggers: dict[str, list[Any]] = {"kafka": [], "apis": [], "schedules": [], "unsupported": []}
    for name, event in props.get("Events", {}).items():
        kind, event_props = event.get("Type"), event.get("Properties", {})
        if kind in ("MSK", "SelfManagedKafka"):
            triggers["kafka"].append(kafka_trigger(logical_id, name, kind, event_props))
        elif kind == "Api":
            triggers["apis"].append(api_trigger(event_props, _api_resource(event_props, resolver), api_defaults))
        elif kind in ("Schedule", "ScheduleV2"):
            triggers["schedules"].extend(schedule_trigger(name, event_props))
        else:
            triggers["unsupported"].append(f"{name} ({kind})")
    return FunctionSpec(
        logical_id=logical_id,
        function_name=str(props.get("FunctionName", logical_id)),
        code_dir=(base / str(props.get("CodeUri", "."))).resolve(),
        handler=str(props["Handler"]),
        timeout_seconds=int(props.get("Timeout", 3)),
        memory_mb=int(props.get("MemorySize", 128)),
        environment={k: _env_string(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()},
        layer_dirs=tuple(_layer_dirs(base, props.get("Layers", []), resolver.resources)),
        **{key: tuple(value) for key, value in triggers.items()},
    )


def _env_string(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _layer_dirs(base: Path, layers: Sequence[Any], resources: Mapping[str, Any]) -> list[Path]:
    dirs = []
    for layer in layers:
        resource = resources.get(str(layer), {})
        content_uri = resource.get("Properties", {}).get("ContentUri")
        if isinstance(content_uri, str):
            dirs.append((base / content_uri).resolve())
        else:
            log.warning("layer is not a local AWS::Serverless::LayerVersion; skipped", extra={"layer": layer})
    return dirs


def _api_defaults(api_globals: Mapping[str, Any], resolver: Resolver) -> dict[str, Any]:
    resolved = resolver.resolve(api_globals)
    return {"stage": "Prod", "authorizer": resolved.get("Auth", {}).get("DefaultAuthorizer")}


def _api_resource(event_props: Mapping[str, Any], resolver: Resolver) -> dict[str, Any]:
    api_id = event_props.get("RestApiId")
    resource = resolver.resources.get(str(api_id), {}) if api_id else {}
    return dict(resolver.resolve(resource.get("Properties", {})))
