#ifndef TOKEND_CPOSTGRES_SHIM_H
#define TOKEND_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
