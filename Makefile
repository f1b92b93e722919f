# nwfilter-web: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/nwfilter-web
LISTEN ?= 127.0.0.1:8080
ARGS ?=

.PHONY: all build run test test-unit bench lint generate check-generated libvirtd test-deps assets clean

all: build

## build: the static binary (no Node, no templ CLI needed: generated code is committed)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

## run: build, make sure a local libvirtd is up, serve on 127.0.0.1:8080
run: build libvirtd
	./$(BIN) serve --listen $(LISTEN) $(ARGS)

## test: install what the tests need, start libvirtd, run lint, unit, integration and browser tests
test: test-deps libvirtd lint check-generated
	NWFILTER_WEB_REQUIRE_LIBVIRT=1 $(GO) test -count=1 -p 1 -timeout 14m ./...

## test-unit: the fast tests only (no libvirtd, no browser)
test-unit:
	$(GO) test -short -count=1 ./...

## bench: the performance targets of the issues
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

## generate: regenerate the templ components (commit the *_templ.go files)
generate:
	$(GO) tool templ generate

## check-generated: fails when a committed *_templ.go is not what templ generates from its .templ
check-generated:
	@before=$$(cat $$(find views -name '*_templ.go' | sort) 2>/dev/null | sha256sum); \
	$(GO) tool templ generate >/dev/null; \
	after=$$(cat $$(find views -name '*_templ.go' | sort) 2>/dev/null | sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "views/*_templ.go were stale (now regenerated): commit them"; exit 1; fi

libvirtd:
	scripts/ensure-libvirtd.sh

test-deps:
	scripts/install-test-deps.sh

## assets: copy the pinned front-end files from node_modules into web/static (needs npm)
assets:
	npm ci --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js web/static/htmx.min.js

clean:
	rm -rf bin
