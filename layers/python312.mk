# Shared by the SAM makefile builds (layers/order_core/Makefile, functions/Makefile): bytecode for the python3.12
# runtime. SAM runs `make --makefile <the Makefile> build-<LogicalId>` in a scratch copy of the resource's folder,
# with ARTIFACTS_DIR set to the resource's folder under .aws-sam/build.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

# A pyc only loads on the interpreter version that wrote it: compile with the runtime's Python.
PYTHON ?= python3.12
# unchecked-hash: Lambda unzips with timestamps of its own and /opt, /var/task are read-only, so a timestamp pyc
# could be judged stale and recompiled in memory on every cold start; an unchecked-hash pyc is always used.
COMPILE = $(PYTHON) -m compileall -q -f --invalidation-mode unchecked-hash

define check-build-env
	@[ -n "$(ARTIFACTS_DIR)" ] || { echo "ARTIFACTS_DIR is not set: build with sam build (or scripts/sam.sh build)" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null \
	  || { echo "no Python 3.12 as '$(PYTHON)' (bytecode must match the runtime's): put python3.12 on PATH or set PYTHON=" >&2; exit 2; }
endef
