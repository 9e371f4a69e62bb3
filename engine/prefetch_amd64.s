#include "textflag.h"

// func prefetch(p unsafe.Pointer)
// PREFETCHT0: into every cache level. It retires at once; a bad address
// does not fault.
TEXT ·prefetch(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	p+0(FP), AX
	PREFETCHT0	(AX)
	RET
