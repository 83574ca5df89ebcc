build/src/main.o: src/main.c include/duet/core.h include/duet/err.h \
 include/duet/log.h include/duet/version.h
include/duet/core.h:
include/duet/err.h:
include/duet/log.h:
include/duet/version.h:
