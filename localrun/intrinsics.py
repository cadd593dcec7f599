"""Resolve CloudFormation intrinsic functions well enough to run a template locally."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localrun.usage import TemplateError

_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_NO_VALUE = object()


@dataclass(frozen=True)
class Pseudo:
    """The pseudo parameters a local stack pretends to have."""

    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "local"

    def as_refs(self) -> dict[str, Any]:
        stack_id = f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local"
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": stack_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
        }


@dataclass
class Resolver:
    """Turns intrinsic-function trees into plain values, given parameter values and pseudo parameters."""

    parameters: Mapping[str, Any]
    resources: Mapping[str, Any]
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    pseudo: Pseudo = field(default_factory=Pseudo)

    def __post_init__(self) -> None:
        self._refs = {**self.pseudo.as_refs(), **self.parameters}
        self._handlers: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Condition": self.condition,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda a: self.resolve(a[0]).join(str(v) for v in self.resolve(a[1])),
            "Fn::Split": lambda a: self.resolve(a[1]).split(self.resolve(a[0])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::If": self._if,
            "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
            "Fn::Not": lambda a: not self._truth(a[0]),
            "Fn::And": lambda a: all(self._truth(c) for c in a),
            "Fn::Or": lambda a: any(self._truth(c) for c in a),
            "Fn::FindInMap": lambda a: self._find_in_map(*(self.resolve(v) for v in a)),
            "Fn::Base64": lambda a: base64.b64encode(str(self.resolve(a)).encode()).decode(),
            "Fn::GetAZs": lambda _a: [f"{self.pseudo.region}{zone}" for zone in "abc"],
            "Fn::ImportValue": lambda a: f"imported-{self.resolve(a)}",
        }

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside value; AWS::NoValue removes the key or list item it stands in."""
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = self._handlers.get(key)
            if handler is not None:
                return handler(argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def condition(self, name: str) -> bool:
        """Evaluate a named condition of the template's Conditions section."""
        return self._truth(self.conditions[name])

    def _truth(self, value: Any) -> bool:
        resolved = self.resolve(value)
        return resolved if isinstance(resolved, bool) else str(resolved).lower() == "true"

    def _ref(self, name: str) -> Any:
        if name in self._refs:
            return self._refs[name]
        if name in self.resources:
            return name
        raise TemplateError(f"!Ref {name}: no such parameter, pseudo parameter or resource")

    def _get_att(self, argument: Any) -> str:
        logical_id, attribute = (self.resolve(part) for part in argument)
        if attribute == "Arn":
            kind = str(self.resources.get(logical_id, {}).get("Type", "")).split("::")[-1].lower()
            return f"arn:aws:{kind or 'local'}:{self.pseudo.region}:{self.pseudo.account_id}:{logical_id}"
        return f"{logical_id}.{attribute}"

    def _sub(self, argument: Any) -> str:
        template, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self.resolve(value) for name, value in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return str(values[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                return self._get_att(name.split(".", 1))
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(substitute, template)

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _find_in_map(self, map_name: str, top_key: str, second_key: str) -> Any:
        return self.resolve(self.mappings[map_name][top_key][second_key])
