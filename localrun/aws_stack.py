"""A deployed stack seen through an AWS API endpoint: the local emulator, LocalStack, or AWS itself (no URL).

Plain boto3: botocore reaches a single-endpoint emulator through `endpoint_url` (or `AWS_ENDPOINT_URL`, which the
SAM CLI honours too), so the same code reads a stack in AWS. Credentials and region come from the usual chain
(`set -a; eval "$(make -s aws-env)"; set +a` sets the emulator's).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from functools import cached_property
from typing import Any, TypeVar

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError

# The ApiUrl output of template.yaml: https://<api id>.execute-api.<region>.<suffix>/<stage>
_API_URL = re.compile(r"^https://(?P<api>[^./]+)\.execute-api\.[^/]+/(?P<stage>[^/]+)/?$")
T = TypeVar("T")
# What CloudFormation (no such stack) and Lambda (no such function) answer for something that does not exist.
_NOT_FOUND = {"ValidationError", "ResourceNotFoundException"}
_LOAD_ENV = 'set -a; eval "$(make -s aws-env)"; set +a'


class StackError(Exception):
    """The endpoint or the stack cannot be used; the message is one line that says what to do."""


@dataclass(frozen=True)
class Endpoint:
    """Where the AWS APIs answer; url None is AWS itself, region None the SDK's default region."""

    url: str | None
    region: str | None = None

    def client(self, service: str, **config: Any) -> Any:
        try:
            # Typed loosely: the stubs know only the services whose extras are installed.
            factory: Callable[..., Any] = boto3.session.Session(region_name=self.region).client
            return factory(service, endpoint_url=self.url, config=Config(**config))
        except NoRegionError as error:
            raise StackError("no AWS region: pass --region or set AWS_DEFAULT_REGION") from error

    def call(self, action: Callable[[], T], what: str, missing: str | None = None) -> T:
        """Run one API call, turning the SDK's errors into a StackError that names the fix (missing: when the
        thing asked for does not exist)."""
        try:
            return action()
        except EndpointConnectionError as error:
            raise StackError(f"no AWS API answers at {self.url}: start the emulator with `make aws-up`") from error
        except NoCredentialsError as error:
            raise StackError(f"no AWS credentials: for the emulator, {_LOAD_ENV}") from error
        except ClientError as error:
            if missing and error.response["Error"]["Code"] in _NOT_FOUND:
                raise StackError(missing) from error
            raise StackError(f"{what}: {error}") from error
        except BotoCoreError as error:
            raise StackError(f"{what}: {error}") from error


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    arn: str
    timeout_s: int


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class DeployedStack:
    """One CloudFormation stack: its parameters, outputs, functions and API, read once.

    Safe to share between threads (the runner loads its functions in parallel): the stack's resources are listed
    once, and one Lambda client serves every look-up.
    """

    def __init__(self, endpoint: Endpoint, name: str) -> None:
        self.endpoint, self.name = endpoint, name
        self._lock = threading.Lock()
        self._resources: tuple[dict[str, str], Any] | None = None

    @cached_property
    def _description(self) -> dict[str, Any]:
        cfn = self.endpoint.client("cloudformation")
        missing = f"stack {self.name} not found at {self.endpoint.url or 'AWS'}: deploy it with `make aws-up`"
        stacks = self.endpoint.call(lambda: cfn.describe_stacks(StackName=self.name)["Stacks"], "reading the stack",
                                    missing)  # fmt: skip
        return dict(stacks[0])

    def parameters(self) -> dict[str, str]:
        return {p["ParameterKey"]: p["ParameterValue"] for p in self._description.get("Parameters", [])}

    def outputs(self) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self._description.get("Outputs", [])}

    def _lookups(self) -> tuple[dict[str, str], Any]:
        """Logical to physical resource ids, and a Lambda client: made by the first caller, shared by the rest."""
        with self._lock:
            if self._resources is None:
                cfn = self.endpoint.client("cloudformation")
                pages = cfn.get_paginator("list_stack_resources").paginate(StackName=self.name)
                summaries = self.endpoint.call(lambda: [s for page in pages for s in page["StackResourceSummaries"]],
                                               "listing the stack's resources")  # fmt: skip
                ids = {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}
                self._resources = ids, self.endpoint.client("lambda")
            return self._resources

    def function(self, logical_id: str) -> DeployedFunction:
        """The deployed function of a template resource; StackError when the stack lacks it."""
        ids, client = self._lookups()
        name = ids.get(logical_id)
        if name is None:
            raise StackError(f"stack {self.name} has no {logical_id}: redeploy the current build (`make aws-up`)")
        gone = f"function {name} ({logical_id}) is gone: redeploy the stack (`make aws-up`)"
        config = self.endpoint.call(lambda: client.get_function_configuration(FunctionName=name), logical_id, gone)
        return DeployedFunction(name=name, arn=config["FunctionArn"], timeout_s=int(config["Timeout"]))

    def api_url(self, output: str = "ApiUrl") -> str:
        """The API's base URL: AWS's own, or on an emulator its path form /_aws/execute-api/<api id>/<stage>."""
        url = self.outputs().get(output)
        if url is None:
            raise StackError(f"stack {self.name} has no output {output}")
        found = _API_URL.match(url)
        if self.endpoint.url is None or found is None:
            return url
        return f"{self.endpoint.url.rstrip('/')}/_aws/execute-api/{found['api']}/{found['stage']}"

    def call_api(self, method: str, path: str, body: Any = None) -> Response:
        """A SigV4-signed request to the API (AWS_IAM authorization), JSON body if any."""
        data = json.dumps(body).encode() if body is not None else None
        request = AWSRequest(method=method, url=self.api_url() + path, data=data,
                             headers={"Content-Type": "application/json"})  # fmt: skip
        self._sign(request)
        prepared = request.prepare()
        outgoing = urllib.request.Request(prepared.url, data=data, headers=dict(prepared.headers), method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(outgoing, timeout=60) as reply:  # noqa: S310 - the stack's own API URL
                return Response(int(reply.status), _lower(reply.headers), reply.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, _lower(error.headers), error.read())

    def _sign(self, request: AWSRequest) -> None:
        session = boto3.session.Session(region_name=self.endpoint.region)
        credentials = session.get_credentials()
        if credentials is None:
            raise StackError(f"no AWS credentials to sign with: for the emulator, {_LOAD_ENV}")
        if session.region_name is None:
            raise StackError("no AWS region to sign with: pass --region or set AWS_DEFAULT_REGION")
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", session.region_name).add_auth(request)


def _lower(headers: Message[str, str]) -> dict[str, str]:
    """HTTP header names are case-insensitive; lower case makes them plain dict keys."""
    return {name.lower(): value for name, value in headers.items()}
