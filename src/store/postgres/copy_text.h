// The text format of PostgreSQL's COPY … FROM STDIN, in which the store
// sends gathered rows (write_transaction.cc): one line per row, fields
// separated by a tab, NULL as \N, and in text the characters that would end
// a field or a line (backslash, tab, newline, carriage return) escaped with
// a backslash. Values are written as Connection sends parameters (integers
// in decimal, doubles with 17 significant digits, text as it is), so that a
// row reaches the server as an INSERT of the same values would.
#pragma once

#include <string>
#include <vector>

#include "sql/sql_value.h"

namespace fundament::store::postgres {

// Appends `value` as one field of COPY text. Text must not hold the
// character U+0000 (RefuseNulCharacters), which PostgreSQL cannot store.
void AppendCopyField(const sql::SqlValue& value, std::string& out);

// Appends one row: the fields of `values`, tab-separated, and a newline.
void AppendCopyRow(const std::vector<sql::SqlValue>& values, std::string& out);

}  // namespace fundament::store::postgres
