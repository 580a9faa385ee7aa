// JSON output for responses. Boost.JSON's serializer writes doubles in
// scientific notation ("5.003E2"), which is valid but surprises every client
// and person reading a water level; this writer prints the shortest decimal
// form that reads back to the same double ("500.3").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace fundament {

// Appends the JSON text of `value` to `out`.
void AppendJson(std::string& out, const boost::json::value& value);

// The JSON text of `value`.
std::string ToJson(const boost::json::value& value);

// Appends `text` as a JSON string literal (quoted and escaped).
void AppendJsonString(std::string& out, std::string_view text);

// Appends `value` in decimal.
void AppendJsonInteger(std::string& out, int64_t value);

}  // namespace fundament
