# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
# sam build needs a python3.12 on PATH; the project's venv provides one.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# The layer is importable as it is in Lambda (/opt/python); the repo root for localrun, bench and tests.
export PYTHONPATH := $(CURDIR)/layers/order_core:$(CURDIR)

.PHONY: help install up down env migrate test lint bench bench-e2e run demo replay-dead-letters redrive-dlq \
        sam-validate sam-build invoke coldstart layer-size openapi clean aws-up aws-down aws-env aws-run aws-demo \
        asyncapi asyncapi-check asyncapi-baseline asyncapi-validate

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## create .venv (Python 3.12) with every dependency
$(VENV)/.installed: pyproject.toml uv.lock scripts/bootstrap.sh
	scripts/bootstrap.sh
	@touch $@

up: install ## start local Postgres and Kafka (idempotent), create database and topics
	scripts/stack.sh up

down: ## stop local Postgres and Kafka
	scripts/stack.sh down

env: ## print DB_DSN=… and KAFKA_BROKERS=… for eval "$(make -s env)"
	@scripts/stack.sh env

migrate: up ## apply db/migrations with yoyo
	scripts/stack.sh migrate

test: migrate ## the whole suite against the real Postgres and Kafka
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff and mypy (strict for order_core)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/order_core functions localrun bench artifact samples demo tests

# N orders through their lifecycle (31,000 events for 10,000): created, 10 % fail a payment, all pay, 95 % reserved.
N ?= 10000
bench: migrate ## the workload through the handlers in-process, then as raw SQL: events/s and the ratio (N=orders)
	$(PY) -m bench --orders $(N) $(BENCH_ARGS)

bench-e2e: migrate ## the workload through Kafka, `localrun` and Postgres, then as raw SQL: the ratio (N=orders)
	$(PY) -m bench.e2e --orders $(N) $(BENCH_ARGS)

# A well-formed cluster ARN for the events' eventSourceArn; nothing in AWS is called.
RUN_ARGS ?= --parameter-overrides MskClusterArn=arn:aws:kafka:eu-west-1:000000000000:cluster/local/local-1
run: migrate ## run every function of template.yaml locally (Kafka consumers, HTTP API, schedules)
	$(PY) -m localrun $(RUN_ARGS)

demo: migrate ## publish a full lifecycle through the running stack and print a timeline per order
	$(PY) -m demo $(DEMO_ARGS)

# The operator scripts take DB_DSN/KAFKA_BROKERS from the environment (AWS: an operator's tunnel), else the
# local stack's.
STACK_ENV = if [ -z "$${DB_DSN:-}" ]; then set -a; eval "$$(scripts/stack.sh env)"; set +a; fi

replay-dead-letters: install ## re-publish parked records to their topic: ARGS="--reason order_not_found"
	@$(STACK_ENV); $(PY) scripts/replay_dead_letters.py $(ARGS)

redrive-dlq: install ## re-apply batches from order-service.dlq in their original order: ARGS="--dry-run"
	@$(STACK_ENV); $(PY) scripts/redrive_dlq.py $(ARGS)

sam-validate: install ## sam validate --lint and sam validate (no Docker needed)
	scripts/sam.sh validate

sam-build: install ## sam build (no Docker needed)
	@scripts/sam.sh build

# stdout is the function's response alone (logs go to stderr), so the recipe lines are not echoed.
invoke: sam-build ## run one built function once: FUNCTION=ShipOrderFunction EVENT=events/ship_order.json
	@$(PY) -m artifact.invoke "$(FUNCTION)" "$(EVENT)"

coldstart: sam-build ## INIT time of every built function as Lambda runs it, with and without bytecode
	$(PY) -m artifact.coldstart

layer-size: sam-build ## unzipped size of the built OrderCoreLayer
	scripts/sam.sh layer-size

openapi: install ## regenerate docs/openapi.json from the API code
	$(PY) scripts/openapi.py

asyncapi: install ## regenerate docs/asyncapi.yaml from the Kafka contracts, topics and template.yaml
	$(PY) scripts/asyncapi.py

asyncapi-check: asyncapi ## list the breaking changes since docs/asyncapi.baseline.yaml (make test fails on them)
	$(PY) scripts/asyncapi_compat.py check

asyncapi-baseline: asyncapi ## make the current contract the baseline; refused unless info.version went up enough
	$(PY) scripts/asyncapi_compat.py baseline

ASYNCAPI_NODE := tools/asyncapi-validate/node_modules/.package-lock.json
$(ASYNCAPI_NODE): tools/asyncapi-validate/package-lock.json
	cd tools/asyncapi-validate && npm ci --prefer-offline

asyncapi-validate: $(ASYNCAPI_NODE) ## validate docs/asyncapi.yaml with the official AsyncAPI parser (npm)
	node tools/asyncapi-validate/validate.mjs docs/asyncapi.yaml

# The built application deployed onto a local AWS-compatible emulator (scripts/aws.sh): EMULATOR_PORT moves it,
# EMULATOR=localstack uses docker-compose's LocalStack instead (needs Docker).
aws-up: migrate sam-build ## deploy the built application onto the local AWS emulator (idempotent)
	scripts/aws.sh up

aws-down: ## stop the local AWS emulator
	scripts/aws.sh down

aws-env: ## print AWS_ENDPOINT_URL=, STACK_NAME=, API_URL= of the deployed stack (eval "$(make -s aws-env)")
	@scripts/aws.sh env

aws-run: aws-up ## like make run, through the emulator: Kafka via the runner in invoke mode, HTTP via its API
	scripts/aws.sh run $(AWS_RUN_ARGS)

aws-demo: aws-up ## the demo lifecycle through the deployed stack, API calls SigV4-signed
	scripts/aws.sh demo $(DEMO_ARGS)

clean: ## stop the stack and remove its data, the venv and build outputs
	scripts/aws.sh down
	scripts/stack.sh destroy
	rm -rf .local $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis tools/asyncapi-validate/node_modules
