#include "store/sqlite/select_builder.h"

#include <fmt/format.h>

namespace fundament::store::sqlite {

std::string SqliteDialect::Placeholder(int index) const { return fmt::format("?{}", index); }

std::string SqliteDialect::JsonExtract(std::string_view json, std::string_view path_placeholder) const {
  return fmt::format("json_extract({}, {})", json, path_placeholder);
}

Result<SqlValue> SqliteDialect::JsonPath(const std::vector<std::string>& members) const {
  // Each label is double-quoted so that dots, brackets and spaces are taken
  // literally. SQLite's path syntax has no escape for a quote inside a
  // quoted label, so such names cannot be addressed.
  std::string path = "$";
  for (const std::string& member : members) {
    if (member.empty()) return BadRequest("an empty member name cannot be addressed");
    for (char c : member) {
      if (c == '"' || static_cast<unsigned char>(c) < 0x20) {
        return BadRequest(fmt::format("member name \"{}\" cannot be addressed", member));
      }
    }
    path += ".\"";
    path += member;
    path += '"';
  }
  return SqlValue(std::move(path));
}

const SqlDialect& SqliteSql() {
  static const SqliteDialect dialect;
  return dialect;
}

SelectBuilder::SelectBuilder(const SqlDialect& dialect, std::string from)
    : dialect_(&dialect), from_(std::move(from)) {}

std::string SelectBuilder::Bind(SqlValue value) {
  parameters_.push_back(std::move(value));
  return dialect_->Placeholder(static_cast<int>(parameters_.size()));
}

int SelectBuilder::AddColumn(std::string expression) {
  columns_.push_back(std::move(expression));
  return static_cast<int>(columns_.size()) - 1;
}

void SelectBuilder::AddJoin(std::string join) { joins_.push_back(std::move(join)); }

void SelectBuilder::AddWhere(std::string condition) { conditions_.push_back(std::move(condition)); }

void SelectBuilder::AddOrderBy(std::string expression, bool descending) {
  order_.push_back(fmt::format("{} {}", expression, descending ? "DESC" : "ASC"));
}

void SelectBuilder::SetLimit(int64_t limit, int64_t offset) {
  if (limit < 0 && offset <= 0) {
    limit_.clear();
    return;
  }
  // LIMIT -1 means "no limit" and lets OFFSET stand alone.
  std::string limit_placeholder = Bind(limit < 0 ? int64_t{-1} : limit);
  std::string offset_placeholder = Bind(offset < 0 ? int64_t{0} : offset);
  limit_ = fmt::format(" LIMIT {} OFFSET {}", limit_placeholder, offset_placeholder);
}

std::string SelectBuilder::FromWhere() const {
  std::string sql = " FROM " + from_;
  for (const auto& join : joins_) sql += " " + join;
  for (size_t i = 0; i < conditions_.size(); ++i) {
    sql += i == 0 ? " WHERE (" : " AND (";
    sql += conditions_[i];
    sql += ")";
  }
  return sql;
}

std::string SelectBuilder::SelectSql() const {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += columns_[i];
  }
  sql += FromWhere();
  for (size_t i = 0; i < order_.size(); ++i) {
    sql += i == 0 ? " ORDER BY " : ", ";
    sql += order_[i];
  }
  sql += limit_;
  return sql;
}

std::string SelectBuilder::CountSql() const { return "SELECT count(*)" + FromWhere(); }

}  // namespace fundament::store::sqlite
