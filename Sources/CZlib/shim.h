#ifndef CHARTER_CZLIB_SHIM_H
#define CHARTER_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 and inflateInit2 are C macros (they pass the library version and the stream size),
// which Swift cannot call: wrap them as functions.

static inline int charter_deflateInit2(z_streamp stream, int level, int method, int windowBits, int memLevel,
                                       int strategy) {
    return deflateInit2(stream, level, method, windowBits, memLevel, strategy);
}

static inline int charter_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
