# Build, lint and test tooling for the azdo.identity Ansible collection.
# `make help` lists the targets. Development runs from the project venv (.venv), which
# `make venv` creates from requirements.txt + requirements-azure-stack.txt + requirements-test.txt.
# Three small venvs have their own pins: .venv-demo (runtime only, `make demo`), .venv-importer
# (galaxy-importer, `make importer`) and .venv-compat (ansible-core 2.17 on Python 3.11, `make compat`).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# sanity -> lint -> pytest must run in this order, even under `make -j`
.NOTPARALLEL:

NAMESPACE := azdo
NAME := identity
PYTHON_VERSION := 3.12

VENV ?= $(CURDIR)/.venv
VENV_BIN := $(VENV)/bin
# Interpreter used to create the venv (only evaluated when the venv is (re)created).
VENV_PY ?= $(shell $(CURDIR)/hack/find-python.sh $(PYTHON_VERSION))
VENV_STAMP := $(VENV)/.requirements.stamp
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/$(NAMESPACE)-$(NAME)-$(VERSION).tar.gz

# `make demo`: ansible-core, the runtime requirements and the emulator's trustme, nothing else.
DEMO_VENV ?= $(CURDIR)/.venv-demo
# `make importer`: galaxy-importer, whose pins may differ from the development toolchain's.
IMPORTER_VENV ?= $(CURDIR)/.venv-importer
IMPORTER_PYTHON_VERSION := 3.12
# `make compat`: the oldest ansible-core meta/runtime.yml claims, on a Python it supports.
COMPAT_VENV ?= $(CURDIR)/.venv-compat
COMPAT_PYTHON_VERSION := 3.11
COMPAT_COLLECTIONS_ROOT := $(CURDIR)/.collections-compat
COMPAT_COLLECTION_DIR := $(COMPAT_COLLECTIONS_ROOT)/ansible_collections/$(NAMESPACE)/$(NAME)
# The role playbook `make compat` runs against the emulator (check, run, check, run: idempotent, no writes).
COMPAT_PLAYBOOK_TEST ?= tests/integration/test_roles.py::test_workload_identity_role_check_real_check_real
COMPAT_SANITY_ARGS ?=

# ansible-test refuses to run unless the collection sits at a real path ending
# in ansible_collections/<namespace>/<name>: it runs on a copy kept here.
COLLECTIONS_ROOT := $(CURDIR)/.collections
COLLECTION_DIR := $(COLLECTIONS_ROOT)/ansible_collections/$(NAMESPACE)/$(NAME)

# Environment for anything that runs ansible / the collection's code.
ANSIBLE_ENV := PATH="$(VENV_BIN):$$PATH" \
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_ROOT)" \
	ANSIBLE_PYTHON_INTERPRETER="$(VENV_BIN)/python" \
	ANSIBLE_LOCALHOST_WARNING=false \
	ANSIBLE_INVENTORY_UNPARSED_WARNING=false
# pytest suites locate the collection themselves (tests/conftest.py links the
# work tree under a temporary ansible_collections/ root); they only need the
# venv's tools on PATH and tests/ importable (`import emulator`).
PYTEST_ENV := PATH="$(VENV_BIN):$$PATH" PYTHONPATH="$(CURDIR)/tests$${PYTHONPATH:+:$$PYTHONPATH}"
# Two workers (this machine and CI have 2 cores); each starts its own emulator once.
PYTEST_ARGS ?= -n 2 --dist load

# Extra arguments, e.g. `make sanity SANITY_ARGS="--test pylint"`
SANITY_ARGS ?=
LINT_ARGS ?=
PLAYBOOK ?= playbooks/demo.yml

.PHONY: help venv demo-venv importer-venv compat-venv collection sanity lint style changelog-lint unit integration molecule awx \
	tarball importer compat pytest test demo demo-issuer emulator bench build clean distclean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ----------------------------------------------------------------------------
# environment

venv: $(VENV_STAMP) ## Create/refresh .venv (Python 3.12) from the requirement files

$(VENV_STAMP): requirements.txt requirements-azure-stack.txt requirements-test.txt
	@if [ -x "$(VENV_BIN)/python" ] && "$(VENV_BIN)/python" -c 'import sys; sys.exit(0 if "%d.%d" % sys.version_info[:2] == "$(PYTHON_VERSION)" else 1)' 2>/dev/null; then \
		echo "venv: reusing $(VENV)"; \
	else \
		py="$(VENV_PY)"; \
		if [ -z "$$py" ]; then echo "venv: no Python $(PYTHON_VERSION) interpreter found; set VENV_PY=/path/to/python$(PYTHON_VERSION)" >&2; exit 1; fi; \
		echo "venv: creating $(VENV) with $$py"; \
		rm -rf "$(VENV)"; \
		"$$py" -m venv "$(VENV)"; \
	fi
	"$(VENV_BIN)/python" -m pip install --disable-pip-version-check --quiet -r requirements.txt -r requirements-azure-stack.txt -r requirements-test.txt
	@touch "$@"

# $(call small_venv,<dir>,<python version>,<requirement files>): (re)create <dir> with that Python
# when it is missing or has another version, then install the files. Used by the three small venvs.
define small_venv
	@if [ -x "$(1)/bin/python" ] && "$(1)/bin/python" -c 'import sys; sys.exit(0 if "%d.%d" % sys.version_info[:2] == "$(2)" else 1)' 2>/dev/null; then \
		echo "venv: reusing $(1)"; \
	else \
		py="$$($(CURDIR)/hack/find-python.sh $(2))" || { echo "venv: no Python $(2) interpreter found for $(1)" >&2; exit 1; }; \
		echo "venv: creating $(1) with $$py"; \
		rm -rf "$(1)"; \
		"$$py" -m venv "$(1)"; \
	fi
	"$(1)/bin/python" -m pip install --disable-pip-version-check --quiet $(foreach f,$(3),-r $(f))
	@touch "$(1)/.requirements.stamp"
endef

demo-venv: $(DEMO_VENV)/.requirements.stamp ## Create/refresh .venv-demo (runtime only: ansible-core, requirements.txt, trustme)
$(DEMO_VENV)/.requirements.stamp: requirements-demo.txt requirements.txt
	$(call small_venv,$(DEMO_VENV),$(PYTHON_VERSION),requirements-demo.txt)

importer-venv: $(IMPORTER_VENV)/.requirements.stamp ## Create/refresh .venv-importer (galaxy-importer)
$(IMPORTER_VENV)/.requirements.stamp: requirements-importer.txt
	$(call small_venv,$(IMPORTER_VENV),$(IMPORTER_PYTHON_VERSION),requirements-importer.txt)

compat-venv: $(COMPAT_VENV)/.requirements.stamp ## Create/refresh .venv-compat (ansible-core 2.17, Python 3.11)
$(COMPAT_VENV)/.requirements.stamp: requirements-compat.txt requirements.txt requirements-azure-stack.txt
	$(call small_venv,$(COMPAT_VENV),$(COMPAT_PYTHON_VERSION),requirements-compat.txt requirements.txt requirements-azure-stack.txt)

collection: ## Sync the tree into .collections/ansible_collections/azdo/identity
	@"$(VENV_BIN)/python" hack/sync_collection.py --source "$(CURDIR)" --dest "$(COLLECTIONS_ROOT)" --namespace $(NAMESPACE) --name $(NAME)

# make sure the venv exists before the copy (the sync script runs with its python)
collection: | $(VENV_STAMP)

# ----------------------------------------------------------------------------
# checks

# ansible-test's sanity venvs bootstrap pip from a host this machine cannot
# reach; hack/ansible_test_get_pip.py --seed puts an ensurepip-based stand-in
# where ansible-test looks for its cached copy (see that file for details).
# Sanity venvs are cached under ~/.ansible/test/venv and reused by later runs.
sanity: venv collection ## ansible-test sanity (all default tests) on the collection copy
	@"$(VENV_BIN)/python" hack/ansible_test_get_pip.py --seed
	cd "$(COLLECTION_DIR)" && PATH="$(VENV_BIN):$$PATH" "$(VENV_BIN)/ansible-test" sanity --python $(PYTHON_VERSION) $(SANITY_ARGS)

lint: venv collection changelog-lint ## ansible-lint (production profile, offline) + changelog fragments
	$(ANSIBLE_ENV) "$(VENV_BIN)/ansible-lint" $(LINT_ARGS)

# ruff over plugins/ and tests/ (ruff.toml), mypy over module_utils (mypy.ini; run on the collection copy
# so that the ansible_collections.azdo.identity imports resolve).
style: venv collection ## ruff + mypy
	"$(VENV_BIN)/ruff" check plugins tests
	cd "$(COLLECTIONS_ROOT)" && "$(VENV_BIN)/mypy" --config-file "$(CURDIR)/mypy.ini" -p ansible_collections.$(NAMESPACE).$(NAME).plugins.module_utils

changelog-lint: venv ## antsibull-changelog lint
	"$(VENV_BIN)/antsibull-changelog" lint

# Run pytest over the given suites that exist. Exit status 5 ("no tests
# collected") only happens when every suite is still empty: not a failure.
define run_pytest
	@suites="$(strip $(wildcard $(1)))"; \
	if [ -z "$$suites" ]; then echo "pytest: none of $(strip $(1)) exists yet; nothing to run"; exit 0; fi; \
	echo "pytest $$suites"; \
	rc=0; $(PYTEST_ENV) "$(VENV_BIN)/python" -m pytest $(PYTEST_ARGS) $$suites || rc=$$?; \
	if [ "$$rc" -eq 5 ]; then rc=0; fi; \
	exit "$$rc"
endef

unit: venv ## pytest tests/unit tests/emulator
	$(call run_pytest,tests/unit tests/emulator)

integration: venv ## pytest tests/integration (against the emulator)
	$(call run_pytest,tests/integration)

# One emulator for all scenarios (tests/molecule/conftest.py); each runs `molecule test -s <scenario>`.
molecule: venv ## Molecule scenarios of extensions/molecule/ (against the emulator), via pytest
	$(call run_pytest,tests/molecule)

awx: venv ## AWX / Automation Platform: execution environment, credential types, a job through ansible-runner
	$(call run_pytest,tests/awx)

tarball: venv ## Build the collection; check its contents against an allow-list, and the README (tests/tarball)
	$(call run_pytest,tests/tarball)

# galaxy-importer as Galaxy / Automation Hub run it on upload, offline, its ansible-test step off
# (hack/galaxy-importer.cfg); any error or warning fails. Builds with the importer venv's ansible-galaxy.
importer: importer-venv ## galaxy-importer on the built tarball: no error, no warning
	@mkdir -p build
	"$(IMPORTER_VENV)/bin/ansible-galaxy" collection build --force --output-path build .
	@hack/galaxy-importer.sh "$(IMPORTER_VENV)" "$(TARBALL)"

# ansible-core 2.17 (meta/runtime.yml's requires_ansible) on Python 3.11: every default sanity test, the
# unit tests, and one role playbook against the emulator, all from .venv-compat.
compat: compat-venv ## ansible-core 2.17 / Python 3.11: sanity, unit tests, a role playbook against the emulator
	@"$(COMPAT_VENV)/bin/python" hack/sync_collection.py --source "$(CURDIR)" --dest "$(COMPAT_COLLECTIONS_ROOT)" --namespace $(NAMESPACE) --name $(NAME)
	@"$(COMPAT_VENV)/bin/python" hack/ansible_test_get_pip.py --seed
	@"$(COMPAT_VENV)/bin/ansible" --version | sed -n 1p
	cd "$(COMPAT_COLLECTION_DIR)" && PATH="$(COMPAT_VENV)/bin:$$PATH" "$(COMPAT_VENV)/bin/ansible-test" sanity --python $(COMPAT_PYTHON_VERSION) $(COMPAT_SANITY_ARGS)
	PATH="$(COMPAT_VENV)/bin:$$PATH" PYTHONPATH="$(CURDIR)/tests" "$(COMPAT_VENV)/bin/python" -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/unit
	PATH="$(COMPAT_VENV)/bin:$$PATH" PYTHONPATH="$(CURDIR)/tests" "$(COMPAT_VENV)/bin/python" -m pytest -p no:cacheprovider $(COMPAT_PLAYBOOK_TEST)

pytest: venv ## All pytest suites in one run
	$(call run_pytest,tests/unit tests/emulator tests/tarball tests/integration tests/awx tests/molecule)

# CI entry point (.ci/run): sanity, lint, style (ruff, mypy), galaxy-importer, ansible-core 2.17, then ONE pytest run so
# that pytest's summary is the last line printed.
test: sanity lint style importer compat pytest ## sanity + lint + style + galaxy-importer + compat (2.17) + all pytest suites

# ----------------------------------------------------------------------------
# running things

# Only the runtime venv (.venv-demo): the demo needs neither the development toolchain nor .venv.
demo: demo-venv ## Start the emulator, run $(PLAYBOOK) against it, stop it (runtime-only .venv-demo)
	@"$(DEMO_VENV)/bin/python" hack/sync_collection.py --source "$(CURDIR)" --dest "$(COLLECTIONS_ROOT)" --namespace $(NAMESPACE) --name $(NAME)
	@VENV="$(DEMO_VENV)" hack/run-demo.sh "$(PLAYBOOK)"

demo-issuer: venv collection ## Issuer migration scenario: seed legacy connections, plan (--check), run, show the report
	@VENV="$(VENV)" hack/run-demo-issuer.sh

emulator: venv ## Run the emulator in the foreground (info in .emulator/info.json)
	@mkdir -p .emulator
	PYTHONPATH="$(CURDIR)/tests" "$(VENV_BIN)/python" -m emulator --info-file .emulator/info.json

bench: venv ## Run tests/benchmarks/*.py
	@shopt -s nullglob; files=(tests/benchmarks/*.py); \
	if [ "$${#files[@]}" -eq 0 ]; then echo "bench: no tests/benchmarks/*.py yet"; exit 0; fi; \
	for f in "$${files[@]}"; do \
		case "$$(basename "$$f")" in __init__.py|conftest.py) continue;; esac; \
		echo "== $$f"; \
		$(PYTEST_ENV) "$(VENV_BIN)/python" "$$f"; \
	done

build: venv ## Build the collection tarball into build/
	"$(VENV_BIN)/ansible-galaxy" collection build --force --output-path build .

clean: ## Remove generated files (keeps the venvs)
	rm -rf .collections .collections-compat tests/output build .emulator .pytest_cache .ansible
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## Remove generated files and every venv
	rm -rf "$(VENV)" "$(DEMO_VENV)" "$(IMPORTER_VENV)" "$(COMPAT_VENV)"
