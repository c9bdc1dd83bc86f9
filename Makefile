# README's two commands: `make demo` and `make test`. Both build .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CAMDETECT_HOME := $(CURDIR)/.camdetect
export PYTHONUNBUFFERED := 1

.PHONY: demo test install clean bench

$(STAMP): pyproject.toml
	./scripts/setup_system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	$(BIN)/pip install -q -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/camdetect demo --out runs/demo

test: $(STAMP)
	$(BIN)/ruff check camdetect tests scripts training
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -p no:cacheprovider tests

clean:
	rm -rf $(VENV) .camdetect runs
