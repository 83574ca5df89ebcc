build/src/core/out.o: src/core/out.c include/duet/log.h \
 include/duet/err.h include/duet/out.h
include/duet/log.h:
include/duet/err.h:
include/duet/out.h:
