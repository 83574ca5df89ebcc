# duet -- build, test, demo, benchmark, install.
#
#   make            build ./duet
#   make check      install missing Debian packages, build, run every test
#   make sanitize   the same tests under AddressSanitizer + UBSan
#   make demo       install missing packages, build, run the main job
#   make bench      benchmarks against plink2 / bcftools (bench/)
#   make install PREFIX=/usr/local

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2
SANFLAGS ?=

BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)

CPPFLAGS += -Iinclude $(BLAS_CFLAGS) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS   += -std=c11 $(OPT) -g -Wall -Wextra -Werror -fopenmp $(SANFLAGS)
LDFLAGS  += -fopenmp $(SANFLAGS)
LDLIBS   += -lhts -lzstd $(BLAS_LIBS) -lsqlite3 -lRmath -lmvec -lm -lpthread

LIB_SRC  := $(sort $(wildcard src/core/*.c src/geno/*.c src/store/*.c \
              src/pheno/*.c src/stats/*.c src/sim/*.c src/prs/*.c src/plot/*.c \
              src/embed/*.c src/fuse/*.c src/burden/*.c))
PHECODE_TSV := $(sort $(wildcard phecodes/*/*.tsv))
GEN_OBJ  := $(BUILD)/gen/phecode_tables.o $(BUILD)/gen/sim_genes.o
CMD_SRC  := $(sort $(wildcard src/cmd_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schemas.o
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/%.o) $(BUILD)/src/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

DUET     := $(BUILD)/duet

.PHONY: all check check-only sanitize demo bench install deps clean units
.DELETE_ON_ERROR:

all: duet

duet: $(DUET)
	@if [ "$(BUILD)" = build ]; then ln -sf $(DUET) duet; fi

$(DUET): $(CMD_OBJ) $(BUILD)/libduet.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libduet.a $(LDLIBS)

$(BUILD)/libduet.a: $(LIB_OBJ) $(GEN_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The phecode tables (phecodes/, built by tools/build-phecodes.py) are
# embedded in the binary as C string literals, so that duet runs from any
# folder; the generated file carries each version's table checksum.
$(BUILD)/gen/phecode_tables.c: $(PHECODE_TSV) tools/embed-phecodes.sh
	@mkdir -p $(dir $@)
	tools/embed-phecodes.sh phecodes >$@

$(BUILD)/gen/phecode_tables.o: $(BUILD)/gen/phecode_tables.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# duet simulate's default gene table (src/sim/data/, GRCh37 refFlat) is
# embedded too; --genes or DUET_GENES replace it at run time.
$(BUILD)/gen/sim_genes.c: src/sim/data/genes_grch37_refFlat_hg19.tsv tools/embed-file.sh
	@mkdir -p $(dir $@)
	tools/embed-file.sh duet_sim_genes_grch37 $< >$@

$(BUILD)/gen/sim_genes.o: $(BUILD)/gen/sim_genes.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The store's SQL, embedded in the binary: every schemas/NN_*.sql in name
# order becomes a NUL-terminated byte array in $(BUILD)/gen/schemas.c (od
# prints each byte as hex, sed turns "2d" into "0x2d,"), listed with its file
# name in duet_schema_names[] / duet_schema_sql[] (src/store/store.c runs
# them).  The folder is a prerequisite so that adding or removing a file
# rebuilds the list.
SCHEMA_SQL := $(sort $(wildcard schemas/[0-9][0-9]_*.sql))

$(BUILD)/gen/schemas.c: $(SCHEMA_SQL) schemas Makefile
	@mkdir -p $(dir $@)
	@{ i=0; for f in $(SCHEMA_SQL); do \
	    echo "static const unsigned char s$$i[] = {"; \
	    od -An -v -tx1 $$f | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo "0};"; i=$$((i + 1)); done; \
	  echo "const char *const duet_schema_names[] = {"; \
	  for f in $(SCHEMA_SQL); do echo "\"$$(basename $$f)\","; done; \
	  echo "0};"; echo "const unsigned char *const duet_schema_sql[] = {"; \
	  i=0; for f in $(SCHEMA_SQL); do echo "s$$i,"; i=$$((i + 1)); done; \
	  echo "0};"; } >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/schemas.o: $(BUILD)/gen/schemas.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libduet.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libduet.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libduet.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libduet.a $(LDFLAGS) $(LDLIBS)

# The fault-injection shim of tests/cli/fault.sh (LD_PRELOAD; never built
# with the sanitizers, which must come first in the preload order).
FAULT_SHIM := $(BUILD)/tests/libduetfault.so
$(FAULT_SHIM): tests/fault/shim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

units: $(UNIT_BIN) $(FAULT_SHIM)

deps:
	@tools/install-deps.sh

# The test suite: unit programs, command tests, reference tests, man pages;
# then the unit programs and command tests again on a build with
# AddressSanitizer + UBSan (build/san).  One "N passed, N failed" line ends it.
SAN_MAKE = $(MAKE) --no-print-directory BUILD=build/san OPT=-O1 \
	    SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

check: deps
	@$(SAN_MAKE) duet units
	@$(MAKE) --no-print-directory check-only \
	    SAN_ENV="SAN_DUET=$(abspath build/san/duet) SAN_UNIT_DIR=$(abspath build/san/tests)"

check-only: duet units $(BENCH_BIN)
	@$(SAN_ENV) DUET=$(abspath $(DUET)) UNIT_DIR=$(abspath $(BUILD)/tests) tests/run.sh

sanitize: deps
	@$(SAN_MAKE) check-only

demo: deps
	@$(MAKE) --no-print-directory duet
	@tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory duet $(BENCH_BIN)
	@BUILD=$(abspath $(BUILD)) bench/run.sh

install: duet
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(DUET) $(DESTDIR)$(PREFIX)/bin/duet
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build duet

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
