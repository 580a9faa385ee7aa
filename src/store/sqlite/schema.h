// The SQLite schema: the versioned migrations that create the tables of the
// logical schema (sql/table_map.h) in SQLite.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/entity_type.h"
#include "sql/table_map.h"
#include "store/sqlite/connection.h"

namespace fundament::store::sqlite {

using sql::LinkTableOf;
using sql::LinkTableSide;
using sql::PropertyColumns;
using sql::ReferenceColumn;
using sql::ResultType;
using sql::Storage;
using sql::TableMap;
using sql::TableOf;

// The newest schema version this program knows.
int LatestSchemaVersion();

// Brings the schema of the database behind `connection` (the writer) to the
// latest version, each migration in its own transaction, and initialises the
// SpatiaLite metadata when the connection has SpatiaLite. Fails when the
// database was written by a newer program.
Status Migrate(Connection& connection);

// The applied migrations' versions, ascending.
Result<std::vector<int>> AppliedMigrations(Connection& connection);

}  // namespace fundament::store::sqlite
