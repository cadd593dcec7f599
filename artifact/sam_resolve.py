"""Print every function of the template as `sam local invoke` would run it, resolved by SAM CLI's own code.

Runs with SAM CLI's interpreter (.tools/sam), never the project's: `python sam_resolve.py [sam local invoke options]`,
e.g. `--config-env local`. The options go through SAM CLI's click command, so samconfig.toml, the default template
(.aws-sam/build/template.yaml once built), parameter overrides and the --env-vars file are read exactly as
`sam local invoke` reads them; the function's configuration and environment come from SAM CLI's InvokeContext and
LocalLambdaRunner. Only the container runtime is left out: it starts functions, it resolves nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from samcli.cli.main import cli as sam
from samcli.commands.local.cli_common.invoke_context import InvokeContext


class ResolveOnly(InvokeContext):  # type: ignore[misc]
    """SAM's invoke context without Docker, which it would only need to start a container."""

    @staticmethod
    def _get_container_manager(*_: Any) -> None:
        return None

    @property
    def lambda_runtime(self) -> None:
        return None


def invoke_options(args: list[str]) -> tuple[click.Context, dict[str, Any]]:
    """`sam local invoke ARGS` parsed by SAM CLI itself: its root context and the invoke command's parameters."""
    root = sam.make_context("sam", ["local", "invoke", *args])
    _, local, rest = sam.resolve_command(root, [*root.protected_args, *root.args])
    local_context = local.make_context("local", rest, parent=root)
    _, invoke, rest = local.resolve_command(local_context, [*local_context.protected_args, *local_context.args])
    return root, invoke.make_context("invoke", rest, parent=local_context).params


def main(args: list[str]) -> None:
    root, options = invoke_options(args)
    functions = []
    with ResolveOnly(
        template_file=options["template_file"],
        function_identifier=None,
        env_vars_file=options["env_vars"],
        parameter_overrides=options["parameter_overrides"],
        aws_region=root.obj.region if root.obj else None,
        aws_profile=root.obj.profile if root.obj else None,
    ) as context:
        runner = context.local_lambda_runner
        # the function provider __enter__ built from the template, as for sam local invoke
        for function in context._function_provider.get_all():
            config = runner.get_invoke_config(runner.get_function(function.name))
            functions.append({
                "logical_id": function.name,
                "handler": config.handler,
                "runtime": config.runtime,
                "code_dir": config.code_abs_path,
                "layer_dirs": [layer.codeuri for layer in config.layers],
                "timeout": config.timeout,
                "memory": config.memory,
                "environment": config.env_vars.resolve(),
            })  # fmt: skip
    json.dump({"template": options["template_file"], "functions": functions}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
