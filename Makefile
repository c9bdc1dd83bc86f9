# README's two commands: `make demo` and `make test`. Both build .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CAMDETECT_HOME := $(CURDIR)/.camdetect
export PYTHONUNBUFFERED := 1

.PHONY: demo test install clean bench lock

# Every install takes its versions from constraints.txt (`make lock` refreshes it), so a new release of a
# dependency cannot change the demo's numbers or break a fresh clone.
$(STAMP): pyproject.toml constraints.txt
	./scripts/setup_system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel -c constraints.txt
	$(BIN)/pip install -q -e '.[all]' -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/camdetect demo --out runs/demo

test: $(STAMP)
	$(BIN)/ruff check camdetect tests scripts training
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -p no:cacheprovider tests

# Re-resolve every dependency at its newest allowed version in a throwaway venv and pin the result.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip wheel
	.lock-venv/bin/pip install -q '.[all]'
	{ echo "# Pinned versions for make install/demo/test. Refresh: make lock (then make test, commit)."; \
	  .lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^camdetect' ; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .camdetect runs
