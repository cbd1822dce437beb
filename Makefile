# Two commands do all the set-up:  `make chat` (the app over seeds/) and `make test` (the suite).
# Both are idempotent: a second run reuses the virtualenv, the pulled models and the index.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat test setup models ingest bench bench-quick clean

chat: setup models ingest
	$(BIN)/rag chat

test: setup
	$(BIN)/rag models pull smollm2-135m minilm-l6-int8
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

models: setup
	$(BIN)/rag models pull

ingest: setup
	$(BIN)/rag ingest seeds/

bench: setup
	$(BIN)/rag models pull $$($(BIN)/python -m bench --list-models)
	$(BIN)/python -m bench

bench-quick: setup
	$(BIN)/rag models pull $$($(BIN)/python -m bench --quick --list-models)
	$(BIN)/python -m bench --quick

clean:
	rm -rf .rag
