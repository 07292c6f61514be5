#ifndef DISTILLERY_CSQLITE_SHIM_H
#define DISTILLERY_CSQLITE_SHIM_H
#include <sqlite3.h>

// Swift cannot call C variadic functions, and sqlite3_db_config is one. This typed wrapper covers the
// "int value, int *result" form used by the boolean DBCONFIG options (DEFENSIVE, DQS_DML, DQS_DDL, ...).
static inline int distillery_sqlite3_db_config_int(sqlite3 *db, int op, int value, int *result) {
    return sqlite3_db_config(db, op, value, result);
}

#endif
