build/src/core/progress.o: src/core/progress.c include/duet/log.h \
 include/duet/err.h include/duet/progress.h
include/duet/log.h:
include/duet/err.h:
include/duet/progress.h:
