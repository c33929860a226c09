PYTHON ?= .venv/bin/python
BUF ?= .venv/bin/buf
NPM ?= npm
PROTOS := $(wildcard proto/pullrouting/v1/*.proto)
# What `make generate` writes and CI checks is committed and fresh: the Python stubs and enums, the TypeScript
# stubs, the desk.
GENERATED := pullrouting/v1 clients/python/pullrouting_client/enums.py clients/typescript/src/gen pullrouting/web/static/desk.js

.PHONY: install generate check-generated lint test serve ci bench bench-attacks

install:
	python3 -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -e '.[dev]'

# The TypeScript stubs (buf.gen.yaml, protoc-gen-es) and the desk bundle need the npm packages: `npm ci` when
# they are missing.
generate:
	rm -f pullrouting/v1/*_pb2*.py pullrouting/v1/*_pb2.pyi
	$(PYTHON) -m grpc_tools.protoc -Iproto --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)
	$(PYTHON) clients/python/tools/generate_enums.py
	test -x node_modules/.bin/protoc-gen-es -a -x node_modules/.bin/esbuild || $(NPM) ci --no-audit --no-fund
	rm -rf clients/typescript/src/gen
	$(BUF) generate
	$(NPM) run --silent build -w desk

check-generated: generate
	@git diff --exit-code --stat -- $(GENERATED) || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- $(GENERATED))" || { echo "generated files are not committed: run 'make generate' and commit"; exit 1; }

lint:
	.venv/bin/buf lint
	.venv/bin/ruff check .

test:
	$(PYTHON) -m pytest -q

serve:
	.venv/bin/pullrouting serve

# Throughput, fan-out, catch-up and memory against a bare grpc.aio server (docs/performance.md); not part of
# the tests. BENCH_ARGS=--quick for a shorter run.
bench:
	$(PYTHON) -m bench $(BENCH_ARGS)

# What each denial-of-service attack costs the server (docs/security.md "Denial of service"); about 2 minutes.
bench-attacks:
	$(PYTHON) -m bench.attacks

# What CI runs in a fresh clone: PostgreSQL, install, lint, stub freshness, the README's test command.
ci:
	.ci/run
