#ifndef CHARTER_CLIBYAML_SHIM_H
#define CHARTER_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
