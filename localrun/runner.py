"""Wire a loaded template to threads: one per Kafka trigger, one per schedule, one HTTP server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaProducer

from localrun.api_events import Route
from localrun.aws_stack import DeployedStack
from localrun.http_api import HttpApi
from localrun.intrinsics import Pseudo
from localrun.invoke import FunctionHost, Host
from localrun.kafka_source import KafkaSource, SourceSettings
from localrun.lambda_invoke import LambdaFunctionHost
from localrun.model import FunctionSpec
from localrun.schedule import ScheduledInvoker, interval_for
from localrun.template import load_template
from localrun.worker import WorkerHost

log = logging.getLogger(__name__)

KAFKA_DESTINATION = "kafka://"


@dataclass(frozen=True)
class RunnerOptions:
    """Everything the runner needs; the CLI and the tests build one."""

    template: Path
    brokers: str
    environment: Mapping[str, str] = field(default_factory=dict)
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    only: Sequence[str] = ()
    port: int = 3000
    on_failure_topic: str = "order-service.dlq"
    schedule_interval: float | None = None
    backoff_seconds: float = 1.0
    pseudo: Pseudo = field(default_factory=Pseudo)
    # Invoke mode: the functions deployed in this stack, through the Lambda Invoke API; Kafka triggers only.
    invoke: DeployedStack | None = None
    # Otherwise "worker": each function in a process of its own; "in-process": all here, one at a time.
    host: str = "in-process"


class Runner:
    """Starts every trigger of the selected functions; stop() lets in-flight work finish, then closes."""

    def __init__(self, options: RunnerOptions) -> None:
        self.options = options
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._producer: KafkaProducer | None = None
        self._hosts: list[Host] = []
        self.http: HttpApi | None = None
        self.failed = False
        self._stopped = False

    def start(self) -> None:
        # Invoke mode plays the mappings as deployed (their eventSourceArn and the like), unless overridden.
        deployed = self.options.invoke.parameters() if self.options.invoke else {}
        template = load_template(self.options.template, {**deployed, **self.options.parameter_overrides})
        functions = template.select(self.options.only)
        self._hosts = [self._host(spec) for spec in functions]
        hosts = self._hosts
        # Cold starts side by side, as Lambda starts containers; the first failure stops the runner.
        with ThreadPoolExecutor(max_workers=max(1, len(hosts)), thread_name_prefix="load") as pool:
            list(pool.map(lambda host: host.load(), hosts))
        # Deployed functions have their API and schedules where they run (API Gateway, EventBridge).
        if self.options.invoke is None:
            self._start_api(hosts)
            for host in hosts:
                self._start_schedules(host)
        for host in hosts:
            self._start_kafka(host)
        log.info("runner ready", extra={"functions": len(hosts), "port": self.http.port if self.http else None})

    def stop(self) -> None:
        """Signal every thread, wait for the batches in flight, close consumers and the producer."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self.http is not None:
            self.http.stop()
        for thread in self._threads:
            thread.join()
        for host in self._hosts:
            host.close()
        if self._producer is not None:
            self._producer.close()
        log.info("runner stopped")

    @property
    def http_port(self) -> int:
        """The API's port (useful with port 0); the template must have Api events."""
        if self.http is None:
            raise RuntimeError("no Api events in the selected functions")
        return self.http.port

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a thread fails (or timeout); True when the runner stopped itself."""
        return self._stop.wait(timeout)

    def _host(self, spec: FunctionSpec) -> Host:
        """The one choice of where a function runs: a worker process, this process, or its deployed copy."""
        if self.options.invoke is not None:
            return LambdaFunctionHost(spec, self.options.invoke)
        if self.options.host == "worker":
            return WorkerHost(spec, self.options.environment, self.options.pseudo)
        return FunctionHost(spec, self.options.environment, self.options.pseudo)

    def _start_api(self, hosts: Sequence[Host]) -> None:
        routes = [Route.compile(api, host) for host in hosts for api in host.spec.apis]
        if routes:
            self.http = HttpApi(routes, self.options.port)
            self._spawn("http-api", lambda _stop: self.http.serve() if self.http else None)
            self._log_routes(routes)

    def _start_kafka(self, host: Host) -> None:
        settings = SourceSettings(self.options.brokers, self.options.backoff_seconds)
        for trigger in host.spec.kafka:
            source = KafkaSource(host, trigger, settings, self._destination(trigger.on_failure))
            self._spawn(f"kafka-{host.spec.logical_id}-{trigger.name}", source.run)
            log.info(
                "kafka trigger",
                extra={"function": host.spec.logical_id, "topics": ",".join(trigger.topics),
                       "group": trigger.group_id, "batch_size": trigger.batch_size,
                       "window_s": trigger.window_seconds, "max_retries": trigger.max_retries,
                       "on_failure": self._destination_topic(trigger.on_failure)},
            )  # fmt: skip

    def _start_schedules(self, host: Host) -> None:
        for trigger in host.spec.schedules:
            interval = interval_for(trigger, self.options.schedule_interval)
            if interval is not None:
                invoker = ScheduledInvoker(host, trigger, interval, self.options.pseudo)
                self._spawn(f"schedule-{host.spec.logical_id}", invoker.run)
                log.info("schedule", extra={"function": host.spec.logical_id, "every_s": interval})

    def _destination_topic(self, destination: str | None) -> str | None:
        if destination is None:
            return None
        if destination.startswith(KAFKA_DESTINATION):
            return destination.removeprefix(KAFKA_DESTINATION)
        # An SQS/SNS/S3 destination has no local twin; its records go to the local on-failure topic.
        return self.options.on_failure_topic

    def _destination(self, destination: str | None) -> tuple[KafkaProducer, str] | None:
        topic = self._destination_topic(destination)
        if topic is None:
            return None
        if self._producer is None:
            self._producer = KafkaProducer(bootstrap_servers=self.options.brokers.split(","), acks="all")
        return self._producer, topic

    def _log_routes(self, routes: Sequence[Route]) -> None:
        for route in routes:
            host: Host = route.target
            log.info(
                "api route",
                extra={"method": route.trigger.method, "url": f"http://127.0.0.1:{self.http.port if self.http else 0}"
                       f"{route.trigger.path}", "function": host.spec.logical_id},
            )  # fmt: skip
            if route.trigger.iam_auth:
                log.warning("local mode: AWS_IAM authorization skipped", extra={"path": route.trigger.path})

    def _spawn(self, name: str, target: Callable[[threading.Event], None]) -> None:
        def guarded() -> None:
            try:
                target(self._stop)
            except Exception:
                log.exception("thread failed; stopping the runner", extra={"thread_name": name})
                self.failed = True
                self._stop.set()

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
