#ifndef CHARTER_CSECCOMP_SHIM_H
#define CHARTER_CSECCOMP_SHIM_H

#include <seccomp.h>

// SCMP_ACT_ERRNO is a function-like macro, which Swift cannot call.
static inline uint32_t charter_seccomp_act_errno(uint16_t code) { return SCMP_ACT_ERRNO(code); }

#endif
