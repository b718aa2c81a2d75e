#ifndef CHARTER_UNICODE_SECURITY_H
#define CHARTER_UNICODE_SECURITY_H

#include <stdint.h>

// A narrow door onto ICU's spoof checker (Unicode TR39) and script property. The ICU headers stay
// in the .c file: Foundation bundles its own ICU, and its types would clash with the system's in
// Swift's module map.

/// Restriction levels, as TR39 §5.2 numbers them (ICU's URestrictionLevel values).
enum {
    CHARTER_ASCII = 0x10000000,
    CHARTER_SINGLE_SCRIPT_RESTRICTIVE = 0x20000000,
    CHARTER_HIGHLY_RESTRICTIVE = 0x30000000,
    CHARTER_MODERATELY_RESTRICTIVE = 0x40000000,
    CHARTER_MINIMALLY_RESTRICTIVE = 0x50000000,
    CHARTER_UNRESTRICTIVE = 0x60000000,
};

/// Checks failed, as a bit set.
enum {
    CHARTER_CHECK_RESTRICTION_LEVEL = 16,
    CHARTER_CHECK_INVISIBLE = 32,
    CHARTER_CHECK_MIXED_NUMBERS = 128,
    CHARTER_CHECK_HIDDEN_OVERLAY = 256,
};

/// Runs ICU's checks on UTF-8 `text`. Returns 0, or -1 when ICU failed (no data, bad input).
int32_t charter_spoof_check(const char *text, int32_t length, int32_t *failed, int32_t *restriction);

/// Writes the TR39 skeleton of UTF-8 `text` into `out` (NUL-terminated when it fits) and returns
/// its length, which may exceed `capacity`; -1 when ICU failed.
int32_t charter_spoof_skeleton(const char *text, int32_t length, char *out, int32_t capacity);

/// The Unicode Script property of `codePoint`, as ICU's short name ("Latn", "Cyrl", "Zyyy"), or
/// NULL. The string is static.
const char *charter_script_code(uint32_t codePoint);

/// The long name of the script of `codePoint` ("Latin", "Cyrillic"), or NULL. The string is static.
const char *charter_script_name(uint32_t codePoint);

#endif
