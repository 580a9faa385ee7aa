// A recursive-descent reader for the WKT subset of wkt.h. Nesting only comes
// from GEOMETRYCOLLECTION, which is bounded, so the recursion is too.
#include "odata/wkt.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <cmath>

#include "odata/syntax.h"

namespace fundament::odata {
namespace {

bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNumberChar(char c) { return IsDigit(c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'; }
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

struct KindName {
  GeometryKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {GeometryKind::kPoint, "POINT"},
    {GeometryKind::kLineString, "LINESTRING"},
    {GeometryKind::kPolygon, "POLYGON"},
    {GeometryKind::kMultiPoint, "MULTIPOINT"},
    {GeometryKind::kMultiLineString, "MULTILINESTRING"},
    {GeometryKind::kMultiPolygon, "MULTIPOLYGON"},
    {GeometryKind::kGeometryCollection, "GEOMETRYCOLLECTION"},
};

// Numbers in their shortest form that reads back exactly ("10", "0.1", "1e+20").
std::string FormatPosition(const GeoPosition& position) {
  if (position.has_z) return fmt::format("{} {} {}", position.x, position.y, position.z);
  return fmt::format("{} {}", position.x, position.y);
}

class WktReader {
 public:
  WktReader(std::string_view text, size_t max_depth) : text_(text), max_depth_(max_depth) {}

  Result<Geometry> ReadAll() {
    Geometry geometry;
    FUNDAMENT_RETURN_IF_ERROR(ReadGeometry(&geometry, 0));
    SkipSpace();
    if (pos_ != text_.size()) return Fail(pos_, "end of text");
    return geometry;
  }

  size_t error_offset() const { return error_offset_; }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  // What stands at `offset`, for "found …": a word or number, one character, or the end.
  std::string Describe(size_t offset) const {
    if (offset >= text_.size()) return "end of text";
    size_t end = offset;
    while (end < text_.size() && (IsAlpha(text_[end]) || IsNumberChar(text_[end]))) ++end;
    if (end == offset) {
      size_t length = Utf8SequenceLength(text_, offset);
      end = offset + (length == 0 ? 1 : length);
    }
    return Quoted(text_.substr(offset, end - offset));
  }

  Error Fail(size_t offset, std::string_view expected, std::string found = {}) {
    error_offset_ = offset;
    if (found.empty()) found = Describe(offset);
    return BadRequest(fmt::format("expected {}, found {}", expected, found));
  }

  Status Expect(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return Status::Ok();
    }
    return Fail(pos_, fmt::format("'{}'", c));
  }

  // True (and consumed) if `c` is next after optional whitespace.
  bool Accept(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status ReadGeometry(Geometry* geometry, size_t depth) {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size() && IsAlpha(text_[pos_])) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    const KindName* found = nullptr;
    for (const KindName& candidate : kKindNames) {
      if (candidate.name.size() != word.size()) continue;
      bool same = true;
      for (size_t i = 0; i < word.size() && same; ++i) same = Upper(word[i]) == candidate.name[i];
      if (same) found = &candidate;
    }
    if (found == nullptr) return Fail(start, "a geometry type");
    geometry->kind = found->kind;

    // An optional Z: 3D positions are then expected (and checked like any).
    SkipSpace();
    if (pos_ < text_.size() && Upper(text_[pos_]) == 'Z' &&
        (pos_ + 1 == text_.size() || !IsAlpha(text_[pos_ + 1]))) {
      ++pos_;
    }

    switch (geometry->kind) {
      case GeometryKind::kPoint: {
        FUNDAMENT_RETURN_IF_ERROR(Expect('('));
        GeoPosition position;
        FUNDAMENT_RETURN_IF_ERROR(ReadPosition(&position));
        geometry->positions.push_back(position);
        return Expect(')');
      }
      case GeometryKind::kLineString:
        return ReadLine(&geometry->positions);
      case GeometryKind::kPolygon:
        return ReadPolygon(&geometry->rings);
      case GeometryKind::kMultiPoint: {
        FUNDAMENT_RETURN_IF_ERROR(Expect('('));
        do {
          // Both MULTIPOINT((1 2),(3 4)) and MULTIPOINT(1 2,3 4) are in use.
          const bool parenthesised = Accept('(');
          GeoPosition position;
          FUNDAMENT_RETURN_IF_ERROR(ReadPosition(&position));
          geometry->positions.push_back(position);
          if (parenthesised) FUNDAMENT_RETURN_IF_ERROR(Expect(')'));
        } while (Accept(','));
        return Expect(')');
      }
      case GeometryKind::kMultiLineString: {
        FUNDAMENT_RETURN_IF_ERROR(Expect('('));
        do {
          geometry->rings.emplace_back();
          FUNDAMENT_RETURN_IF_ERROR(ReadLine(&geometry->rings.back()));
        } while (Accept(','));
        return Expect(')');
      }
      case GeometryKind::kMultiPolygon: {
        FUNDAMENT_RETURN_IF_ERROR(Expect('('));
        do {
          geometry->polygons.emplace_back();
          FUNDAMENT_RETURN_IF_ERROR(ReadPolygon(&geometry->polygons.back()));
        } while (Accept(','));
        return Expect(')');
      }
      case GeometryKind::kGeometryCollection: {
        if (depth >= max_depth_) return Fail(start, fmt::format("at most {} nested collections", max_depth_), "more");
        FUNDAMENT_RETURN_IF_ERROR(Expect('('));
        do {
          geometry->members.emplace_back();
          FUNDAMENT_RETURN_IF_ERROR(ReadGeometry(&geometry->members.back(), depth + 1));
        } while (Accept(','));
        return Expect(')');
      }
    }
    return Fail(start, "a geometry type");
  }

  // `(x y, x y, …)` with at least two positions.
  Status ReadLine(std::vector<GeoPosition>* line) {
    FUNDAMENT_RETURN_IF_ERROR(Expect('('));
    const size_t start = pos_;
    do {
      line->emplace_back();
      FUNDAMENT_RETURN_IF_ERROR(ReadPosition(&line->back()));
    } while (Accept(','));
    if (line->size() < 2) return Fail(start, "at least 2 positions in a line", std::to_string(line->size()));
    return Expect(')');
  }

  // `((ring), (hole), …)`: closed rings of at least four positions.
  Status ReadPolygon(std::vector<std::vector<GeoPosition>>* rings) {
    FUNDAMENT_RETURN_IF_ERROR(Expect('('));
    do {
      FUNDAMENT_RETURN_IF_ERROR(Expect('('));
      const size_t start = pos_;
      std::vector<GeoPosition> ring;
      size_t last_start = pos_;
      do {
        SkipSpace();
        last_start = pos_;
        ring.emplace_back();
        FUNDAMENT_RETURN_IF_ERROR(ReadPosition(&ring.back()));
      } while (Accept(','));
      if (ring.size() < 4) return Fail(start, "at least 4 positions in a ring", std::to_string(ring.size()));
      if (!(ring.front() == ring.back())) {
        return Fail(last_start, "a closed ring (last position equal to the first)",
                    "(" + FormatPosition(ring.back()) + ")");
      }
      FUNDAMENT_RETURN_IF_ERROR(Expect(')'));
      rings->push_back(std::move(ring));
    } while (Accept(','));
    return Expect(')');
  }

  Status ReadPosition(GeoPosition* position) {
    const size_t start = (SkipSpace(), pos_);
    FUNDAMENT_RETURN_IF_ERROR(ReadNumber(&position->x));
    FUNDAMENT_RETURN_IF_ERROR(ReadNumber(&position->y));
    SkipSpace();
    size_t count = 2;
    if (pos_ < text_.size() && IsNumberChar(text_[pos_])) {
      FUNDAMENT_RETURN_IF_ERROR(ReadNumber(&position->z));
      position->has_z = true;
      count = 3;
    }
    if (dimensions_ == 0) {
      dimensions_ = count;
    } else if (count != dimensions_) {
      return Fail(start, fmt::format("{} coordinates like the first position", dimensions_), std::to_string(count));
    }
    return Status::Ok();
  }

  Status ReadNumber(double* value) {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNumberChar(text_[pos_])) ++pos_;
    std::string_view number = text_.substr(start, pos_ - start);
    if (number.empty()) return Fail(start, "a number");
    std::string_view digits = number;
    if (digits.front() == '+') digits.remove_prefix(1);
    // from_chars would also take "inf" and "nan", but those never reach here.
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), *value);
    if (error == std::errc::result_out_of_range || (error == std::errc() && !std::isfinite(*value)))
      return Fail(start, "a number within the range of a double");
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() || digits.front() == '+')
      return Fail(start, "a number");
    return Status::Ok();
  }

  std::string_view text_;
  size_t max_depth_;
  size_t pos_ = 0;
  size_t dimensions_ = 0;  // of the first position; all others must match
  size_t error_offset_ = 0;
};

void AppendLine(std::string& out, const std::vector<GeoPosition>& line) {
  out += '(';
  for (size_t i = 0; i < line.size(); ++i) {
    if (i > 0) out += ',';
    out += FormatPosition(line[i]);
  }
  out += ')';
}

void AppendPolygon(std::string& out, const std::vector<std::vector<GeoPosition>>& rings) {
  out += '(';
  for (size_t i = 0; i < rings.size(); ++i) {
    if (i > 0) out += ',';
    AppendLine(out, rings[i]);
  }
  out += ')';
}

void AppendWkt(std::string& out, const Geometry& geometry) {
  out += WktName(geometry.kind);
  switch (geometry.kind) {
    case GeometryKind::kPoint:
    case GeometryKind::kLineString:
      AppendLine(out, geometry.positions);
      return;
    case GeometryKind::kMultiPoint:
      out += '(';
      for (size_t i = 0; i < geometry.positions.size(); ++i) {
        if (i > 0) out += ',';
        out += '(' + FormatPosition(geometry.positions[i]) + ')';
      }
      out += ')';
      return;
    case GeometryKind::kPolygon:
    case GeometryKind::kMultiLineString:
      AppendPolygon(out, geometry.rings);
      return;
    case GeometryKind::kMultiPolygon:
      out += '(';
      for (size_t i = 0; i < geometry.polygons.size(); ++i) {
        if (i > 0) out += ',';
        AppendPolygon(out, geometry.polygons[i]);
      }
      out += ')';
      return;
    case GeometryKind::kGeometryCollection:
      out += '(';
      for (size_t i = 0; i < geometry.members.size(); ++i) {
        if (i > 0) out += ',';
        AppendWkt(out, geometry.members[i]);
      }
      out += ')';
      return;
  }
}

boost::json::array PositionJson(const GeoPosition& position) {
  boost::json::array coordinates{position.x, position.y};
  if (position.has_z) coordinates.push_back(position.z);
  return coordinates;
}

boost::json::array LineJson(const std::vector<GeoPosition>& line) {
  boost::json::array out;
  out.reserve(line.size());
  for (const GeoPosition& position : line) out.push_back(PositionJson(position));
  return out;
}

boost::json::array PolygonJson(const std::vector<std::vector<GeoPosition>>& rings) {
  boost::json::array out;
  out.reserve(rings.size());
  for (const auto& ring : rings) out.push_back(LineJson(ring));
  return out;
}

const char* GeoJsonName(GeometryKind kind) {
  switch (kind) {
    case GeometryKind::kPoint:
      return "Point";
    case GeometryKind::kLineString:
      return "LineString";
    case GeometryKind::kPolygon:
      return "Polygon";
    case GeometryKind::kMultiPoint:
      return "MultiPoint";
    case GeometryKind::kMultiLineString:
      return "MultiLineString";
    case GeometryKind::kMultiPolygon:
      return "MultiPolygon";
    case GeometryKind::kGeometryCollection:
      return "GeometryCollection";
  }
  return "Point";
}

}  // namespace

const char* WktName(GeometryKind kind) {
  for (const KindName& entry : kKindNames)
    if (entry.kind == kind) return entry.name.data();
  return "POINT";
}

Result<Geometry> ParseWkt(std::string_view text, size_t max_depth, size_t* error_offset) {
  WktReader reader(text, max_depth);
  Result<Geometry> geometry = reader.ReadAll();
  if (!geometry.ok() && error_offset != nullptr) *error_offset = reader.error_offset();
  return geometry;
}

std::string FormatWkt(const Geometry& geometry) {
  std::string out;
  AppendWkt(out, geometry);
  return out;
}

boost::json::value ToGeoJson(const Geometry& geometry) {
  boost::json::object out;
  out["type"] = GeoJsonName(geometry.kind);
  switch (geometry.kind) {
    case GeometryKind::kPoint:
      out["coordinates"] = geometry.positions.empty() ? boost::json::array() : PositionJson(geometry.positions.front());
      break;
    case GeometryKind::kLineString:
    case GeometryKind::kMultiPoint:
      out["coordinates"] = LineJson(geometry.positions);
      break;
    case GeometryKind::kPolygon:
    case GeometryKind::kMultiLineString:
      out["coordinates"] = PolygonJson(geometry.rings);
      break;
    case GeometryKind::kMultiPolygon: {
      boost::json::array polygons;
      for (const auto& polygon : geometry.polygons) polygons.push_back(PolygonJson(polygon));
      out["coordinates"] = std::move(polygons);
      break;
    }
    case GeometryKind::kGeometryCollection: {
      boost::json::array members;
      for (const Geometry& member : geometry.members) members.push_back(ToGeoJson(member));
      out["geometries"] = std::move(members);
      break;
    }
  }
  return out;
}

}  // namespace fundament::odata
