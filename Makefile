# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: install run test lint train schema clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock scripts/bootstrap.sh
	@PYTHON="$(PYTHON)" bash scripts/bootstrap.sh

## Train only if data/config/domain/components changed, then start action server + Rasa server.
run: install
	@$(BIN)/python -m ops.run

## Train (if needed) without starting anything.
train: install
	@$(BIN)/python -m ops.model

## Lint, type-check, run the whole suite (unit, Rasa test stories, integration).
test: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate docs/context-package.schema.json after changing handoff/context.py.
schema: install
	@$(BIN)/python -c 'from handoff.context import json_schema; print(json_schema(), end="")' > docs/context-package.schema.json

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

clean:
	rm -rf $(VENV) .rasa models var .pytest_cache
