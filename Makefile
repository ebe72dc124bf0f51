# Hedgehog Learn backend. `make dev` runs the local stack, `make test` runs every check.
# Both set up what they need on a fresh machine (venvs, pinned packages, Debian's chromium).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
STAMP := $(VENV)/.installed
SAM_STAMP := $(SAM_VENV)/.installed
# make verify / make preflight: boto3 and the template reader only (tools/requirements.txt), not the dev tools.
TOOLS_VENV := .venv-tools
TOOLS_PY := $(TOOLS_VENV)/bin/python
TOOLS_STAMP := $(TOOLS_VENV)/.installed
ENV ?= prod
# The local stack and the dev tools need Python >= 3.11 (datetime.UTC, tomllib, ExceptionGroup).
MIN_PYTHON := 3.11
new_enough = $(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null

.PHONY: help python-check dev test unit lint cfn-lint sam-validate pytest build catalog system-deps bench verify preflight crm-resync crm-properties forget-learner revoke-certificate fake-hubspot lock clean

help:
	@echo "make dev             run the docker-free local stack (site :8000, API :3000, hosted UI :9229, AWS emulator :5000)"
	@echo "make test            lint, template checks, unit + integration + browser tests, sam build smoke test"
	@echo "make unit            the fast inner loop: ruff and tests/unit (no stacks, no browser), on every core"
	@echo "make catalog CONTENT=<site>/content  compile the site's content tree into the layer's catalog (then sam build)"
	@echo "make bench           cold-start / latency benchmarks against their floors -> docs/performance.md"
	@echo "make preflight ENV=prod  read-only checks of the account before sam deploy (secrets, quotas, domain, role)"
	@echo "make verify ENV=prod the deployment guide's checklist against a deployed stack"
	@echo "make sam             only the pinned SAM CLI, in .venv-sam (what a deploy needs; make test installs it too)"
	@echo "make crm-resync ARGS='--all --stage prod' (or --user <userId>)  re-push learners to HubSpot (default stage: local)"
	@echo "make forget-learner ARGS='--user <userId>|--pending' [--check] [--stage prod]  finish or report erasures"
	@echo "make crm-properties  create the HubSpot property group and properties (idempotent; the running stack's HubSpot)"
	@echo "make revoke-certificate ARGS='<certId> --reason \"...\" [--stage prod]'  revoke a certificate (public answer: 410)"
	@echo "make fake-hubspot    a fake HubSpot on 127.0.0.1:8090 for make dev's CRM sync; prints the contacts it gets"

$(STAMP): requirements-dev.txt requirements-dev.lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# --ignore-requires-python: aws-sdk-signers declares >= 3.12 but runs on 3.11 (requirements-dev.txt);
	# every version is pinned by the lock, so no other package can drift to one this Python cannot run.
	$(PY) -m pip install --quiet --disable-pip-version-check --ignore-requires-python \
		-r requirements-dev.txt -c requirements-dev.lock.txt
	touch $@

$(SAM_STAMP): tools/sam/requirements.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/sam/requirements.txt
	touch $@

$(TOOLS_STAMP): tools/requirements.txt
	test -x $(TOOLS_PY) || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_PY) -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

venv: $(STAMP)

# The pinned SAM CLI alone (tools/sam/requirements.txt), for an operator's first deploy.
sam: $(SAM_STAMP)

system-deps:
	@bash tools/ensure-system-deps.sh

# Says which Python make dev needs, and rebuilds a .venv made by an older (or vanished) interpreter: its
# stamp would otherwise keep it forever.
python-check:
	@$(call new_enough,$(PYTHON)) || { echo "make dev needs Python >= $(MIN_PYTHON), and PYTHON=$(PYTHON) is $$($(PYTHON) -V 2>/dev/null || echo missing); run e.g. make dev PYTHON=python3.13" >&2; exit 1; }
	@if [ -e $(VENV) ] && ! $(call new_enough,$(PY)); then echo "$(VENV) was made by $$($(PY) -V 2>/dev/null || echo an interpreter that is gone), not Python >= $(MIN_PYTHON): rebuilding it with $(PYTHON)"; rm -rf $(VENV); fi

dev: python-check
	@$(MAKE) --no-print-directory $(STAMP)
	$(PY) -m local.stack

test: $(STAMP) $(SAM_STAMP) system-deps lint cfn-lint sam-validate pytest build

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

cfn-lint: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml

sam-validate: $(SAM_STAMP)
	$(SAM) validate --lint --region us-west-2

pytest: $(STAMP)
	$(PY) -m pytest

# The inner loop: no local stack, no browser, no sam build. `make test` stays the gate before landing.
# One worker more than cores: a few tests wait out timeouts, and another worker uses that time. Bytecode and
# pytest's rewritten test modules are cached even where the shell sets PYTHONDONTWRITEBYTECODE: recompiling them
# cost every worker seconds on every run (__pycache__ is ignored by git, and sam build leaves it out).
UNIT_WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN) + 1 )))
unit: $(STAMP)
	$(VENV)/bin/ruff check .
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest tests/unit -q -n $(UNIT_WORKERS) -m "not exhaustive"

# `sam build` smoke test: python3.13 for arm64, offline-capable; see tools/sam-build.sh.
build: $(SAM_STAMP) system-deps
	bash tools/sam-build.sh

# The site's content tree (modules/, courses/, pathways/) -> the layer's catalog.json and answer_keys.json.
# Every problem in the tree is printed (file, field, what is wrong) and nothing is written unless it is clean.
catalog: $(STAMP)
	@test -n "$(CONTENT)" || { echo "usage: make catalog CONTENT=<the site repository's content folder>" >&2; exit 2; }
	$(PY) -m tools.content_catalog "$(CONTENT)" $(if $(OUT),--out "$(OUT)")

bench: $(STAMP) $(SAM_STAMP) build
	$(PY) -m bench

verify: $(TOOLS_STAMP)
	$(TOOLS_PY) -m tools.verify --config-env $(ENV) $(ARGS)

preflight: $(TOOLS_STAMP)
	$(TOOLS_PY) -m tools.preflight --config-env $(ENV) $(ARGS)

crm-resync: $(STAMP)
	$(PY) -m tools.crm_resync $(ARGS)

forget-learner: $(STAMP)
	$(PY) -m tools.forget_learner $(ARGS)

crm-properties: $(STAMP)
	$(PY) -m tools.crm_properties $(ARGS)

revoke-certificate: $(STAMP)
	$(PY) -m tools.revoke_certificate $(ARGS)

# A HubSpot stand-in for make dev's CRM sync (port HHL_HUBSPOT_PORT, default 8090); prints how to use it.
fake-hubspot: $(STAMP)
	$(PY) -m local.fake_hubspot

# Re-pin the dev tooling after editing requirements-dev.txt.
lock:
	rm -rf /tmp/hhl-lock && $(PYTHON) -m venv /tmp/hhl-lock
	/tmp/hhl-lock/bin/pip install --quiet --ignore-requires-python -r requirements-dev.txt
	/tmp/hhl-lock/bin/pip freeze | grep -v -E '^(pip|setuptools)==' > requirements-dev.lock.txt

clean:
	rm -rf .aws-sam .local .pytest_cache
