build/src/core/init.o: src/core/init.c include/duet/core.h \
 include/duet/opts.h include/duet/err.h include/duet/out.h
include/duet/core.h:
include/duet/opts.h:
include/duet/err.h:
include/duet/out.h:
