#ifndef TOKEND_CFASTCGI_SHIM_H
#define TOKEND_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <fastcgi.h>
#endif
