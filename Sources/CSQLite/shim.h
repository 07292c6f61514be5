#ifndef DISTILLERY_CSQLITE_SHIM_H
#define DISTILLERY_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
