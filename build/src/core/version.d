build/src/core/version.o: src/core/version.c include/duet/version.h
include/duet/version.h:
