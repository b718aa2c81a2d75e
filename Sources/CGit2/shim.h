#ifndef CHARTER_CGIT2_SHIM_H
#define CHARTER_CGIT2_SHIM_H
#include <git2.h>

// git_libgit2_opts is variadic and unavailable from Swift: one fixed-arity wrapper per option.
static inline int charter_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}
static inline int charter_git_set_user_agent(const char *agent) {
    return git_libgit2_opts(GIT_OPT_SET_USER_AGENT, agent);
}
static inline int charter_git_set_ssl_cert_locations(const char *file, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}
#endif
