build/src/core/tsv.o: src/core/tsv.c include/duet/log.h \
 include/duet/err.h include/duet/tsv.h include/duet/out.h
include/duet/log.h:
include/duet/err.h:
include/duet/tsv.h:
include/duet/out.h:
