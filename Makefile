# tokend: the two commands a newcomer needs, and the ones the team uses.
.PHONY: run test build release dist deb clean bench

run:            ## build, initialise ./var, serve on http://127.0.0.1:8080 (Ctrl-C stops)
	scripts/run

test:           ## install what is missing, then run unit and integration tests
	scripts/test

build:
	swift build

release:
	swift build -c release --product tokend

dist:           ## release bundle: dist/tokend-<version>-linux-<arch>.tar.gz (static Swift runtime)
	scripts/dist

deb:            ## Debian package: dist/tokend_<version>_<arch>.deb (binary, units, conffiles, man pages)
	scripts/deb

clean:
	rm -rf .build dist

bench:          ## benchmark tokend against a C libfcgi hello and nginx itself, then the 10-minute soak; writes BENCHMARKS.md
	Benchmarks/run
	Benchmarks/page-render
	SOAK_SKIP_BUILD=1 Benchmarks/soak
