build/src/core/opts.o: src/core/opts.c include/duet/log.h \
 include/duet/err.h include/duet/opts.h
include/duet/log.h:
include/duet/err.h:
include/duet/opts.h:
