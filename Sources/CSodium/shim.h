#ifndef DISTILLERY_CSODIUM_SHIM_H
#define DISTILLERY_CSODIUM_SHIM_H
#include <sodium.h>
#endif
