#include "sql/select_builder.h"

#include <fmt/format.h>

namespace fundament::sql {

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

void SelectBuilder::AddOrderBy(std::string expression, bool descending, bool nullable) {
  std::string_view direction = descending ? (nullable ? "DESC NULLS LAST" : "DESC") : (nullable ? "ASC NULLS FIRST" : "ASC");
  order_.push_back(fmt::format("{} {}", expression, direction));
}

void SelectBuilder::SetLimit(int64_t limit, int64_t offset) {
  if (limit < 0 && offset <= 0) {
    limit_.clear();
    return;
  }
  // An OFFSET needs a LIMIT before it; the dialect spells "no limit".
  std::string limit_placeholder = limit < 0 ? dialect_->NoLimit() : Bind(limit);
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

}  // namespace fundament::sql
