#ifndef DISTILLERY_CCURL_SHIM_H
#define DISTILLERY_CCURL_SHIM_H
#include <curl/curl.h>
#endif
