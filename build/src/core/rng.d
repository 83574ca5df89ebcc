build/src/core/rng.o: src/core/rng.c include/duet/rng.h
include/duet/rng.h:
