build/src/core/log.o: src/core/log.c include/duet/log.h \
 include/duet/err.h
include/duet/log.h:
include/duet/err.h:
