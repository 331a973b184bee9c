/* The checks of asm_offsets.h, compiled into every build of the hypervisor whichever files use
 * the constants. */
#include "arch/x86/asm_offsets.h"
