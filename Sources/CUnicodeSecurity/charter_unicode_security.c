#include "charter_unicode_security.h"

#include <pthread.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

// One checker for the process: ICU documents a configured checker as safe to use from many
// threads at once for checks and skeletons.
static USpoofChecker *checker;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void open_checker(void) {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *made = uspoof_open(&status);
    if (U_FAILURE(status)) return;
    uspoof_setChecks(made, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS | USPOOF_HIDDEN_OVERLAY,
                     &status);
    // The check reports the level it found; the threshold only decides the failure bit.
    uspoof_setRestrictionLevel(made, USPOOF_HIGHLY_RESTRICTIVE);
    if (U_FAILURE(status)) {
        uspoof_close(made);
        return;
    }
    checker = made;
}

int32_t charter_spoof_check(const char *text, int32_t length, int32_t *failed, int32_t *restriction) {
    pthread_once(&once, open_checker);
    if (checker == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    USpoofCheckResult *result = uspoof_openCheckResult(&status);
    if (U_FAILURE(status)) return -1;
    *failed = uspoof_check2UTF8(checker, text, length, result, &status);
    *restriction = (int32_t)uspoof_getCheckResultRestrictionLevel(result, &status);
    uspoof_closeCheckResult(result);
    return U_FAILURE(status) ? -1 : 0;
}

int32_t charter_spoof_skeleton(const char *text, int32_t length, char *out, int32_t capacity) {
    pthread_once(&once, open_checker);
    if (checker == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t written = uspoof_getSkeletonUTF8(checker, 0, text, length, out, capacity, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) return written;
    return U_FAILURE(status) ? -1 : written;
}

const char *charter_script_code(uint32_t codePoint) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode code = uscript_getScript((UChar32)codePoint, &status);
    return U_FAILURE(status) ? NULL : uscript_getShortName(code);
}

const char *charter_script_name(uint32_t codePoint) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode code = uscript_getScript((UChar32)codePoint, &status);
    return U_FAILURE(status) ? NULL : uscript_getName(code);
}
