"""A YAML loader that understands CloudFormation's short-form intrinsic tags (!Ref, !Sub, !GetAtt, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from localrun.usage import TemplateError

_FN_TAGS = (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Not", "Or",
    "Select", "Split", "Sub", "Transform",
)  # fmt: skip


class CfnLoader(yaml.SafeLoader):
    """SafeLoader plus the short tags, each turned into its long form ({"Fn::Sub": ...}, {"Ref": ...})."""


def _construct(node: yaml.Node, loader: CfnLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _long_form(key: str) -> Any:
    def constructor(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _construct(node, loader)}

    return constructor


def _get_att(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct(node, loader)
    # The short form accepts "Resource.Attribute"; the long form is always a two-item list.
    return {"Fn::GetAtt": value.split(".", 1) if isinstance(value, str) else value}


CfnLoader.add_constructor("!Ref", _long_form("Ref"))
CfnLoader.add_constructor("!Condition", _long_form("Condition"))
CfnLoader.add_constructor("!GetAtt", _get_att)
for _tag in _FN_TAGS:
    CfnLoader.add_constructor(f"!{_tag}", _long_form(f"Fn::{_tag}"))


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template file into plain dicts and lists, intrinsics in long form.

    TemplateError, one line, when the file cannot be read or is not a YAML mapping.
    """
    try:
        with path.open(encoding="utf-8") as stream:
            document = yaml.load(stream, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    except OSError as error:
        raise TemplateError(f"{path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise TemplateError(f"{path}: not UTF-8 text") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{path}: not YAML{where}: {getattr(error, 'problem', None) or error}") from error
    if not isinstance(document, dict):
        raise TemplateError(f"{path} is not a CloudFormation template (top level is not a mapping)")
    return document
