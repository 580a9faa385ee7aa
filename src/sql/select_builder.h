// A small builder for SELECT statements over entity tables: select list,
// FROM, joins, WHERE conditions with bound parameters, ORDER BY, LIMIT. The
// read path fills it from a ReadRequest; a filter compiler adds conditions.
//
// Every value goes in through Bind(), which returns the placeholder to write
// into the clause; nothing else but names from the schema mapping and fixed
// SQL fragments ever reaches the text. What differs between SQL dialects
// sits behind SqlDialect (dialect.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql/dialect.h"
#include "sql/sql_value.h"

namespace fundament::sql {

// A SELECT under construction.
class SelectBuilder {
 public:
  // `from` is a table expression from the schema mapping ("datastream AS e").
  SelectBuilder(const SqlDialect& dialect, std::string from);

  const SqlDialect& dialect() const { return *dialect_; }

  // Records `value` as the next parameter and returns its placeholder.
  std::string Bind(SqlValue value);

  // Adds an expression to the select list; returns its column index.
  int AddColumn(std::string expression);
  // Adds a join clause ("JOIN thing_location AS l ON l.location_id = e.id").
  void AddJoin(std::string join);
  // Adds a condition; all conditions must hold.
  void AddWhere(std::string condition);
  // Orders by `expression`. When it may be NULL (`nullable`), NULL sorts as
  // the smallest value in every dialect (NULLS FIRST ascending, NULLS LAST
  // descending: SQLite's default, not PostgreSQL's); keys that are never
  // NULL keep the plain form, which indexes serve in both engines.
  void AddOrderBy(std::string expression, bool descending, bool nullable = false);
  // At most `limit` rows (-1: all) after skipping `offset`.
  void SetLimit(int64_t limit, int64_t offset);

  // The full SELECT.
  std::string SelectSql() const;
  // SELECT count(*) with the same FROM, joins and WHERE; no order or limit.
  std::string CountSql() const;
  // The number of expressions in the select list.
  int column_count() const { return static_cast<int>(columns_.size()); }
  // The parameter values, in placeholder order.
  const std::vector<SqlValue>& parameters() const { return parameters_; }

 private:
  std::string FromWhere() const;

  const SqlDialect* dialect_;
  std::string from_;
  std::vector<std::string> columns_;
  std::vector<std::string> joins_;
  std::vector<std::string> conditions_;
  std::vector<std::string> order_;
  std::string limit_;
  std::vector<SqlValue> parameters_;
};

}  // namespace fundament::sql
