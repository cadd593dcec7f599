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

.PHONY: help install up down env migrate test lint bench run demo replay-dead-letters redrive-dlq \
        sam-validate sam-build coldstart layer-size openapi clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

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
	$(VENV)/bin/mypy layers/order_core functions localrun bench tests

bench: migrate ## drive MSK-shaped batches through the batch processor and print events/s
	$(PY) -m bench $(BENCH_ARGS)

# A well-formed cluster ARN for the events' eventSourceArn; nothing in AWS is called.
RUN_ARGS ?= --parameter-overrides MskClusterArn=arn:aws:kafka:eu-west-1:000000000000:cluster/local/local-1
run: migrate ## run every function of template.yaml locally (Kafka consumers, HTTP API, schedules)
	$(PY) -m localrun $(RUN_ARGS)

demo: migrate ## publish a full lifecycle through the running stack and print a timeline per order
	$(PY) -m localrun.demo $(DEMO_ARGS)

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
	scripts/sam.sh build

coldstart: install ## time the import and initialisation of one Kafka function (no network)
	scripts/sam.sh coldstart

layer-size: sam-build ## unzipped size of the built OrderCoreLayer
	scripts/sam.sh layer-size

openapi: install ## regenerate docs/openapi.json from the API code
	$(PY) scripts/openapi.py

clean: ## stop the stack and remove its data, the venv and build outputs
	scripts/stack.sh destroy
	rm -rf .local $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
