// Fuzz target for $filter: parser, type checker and SQL compiler, run for
// real against a small SQLite/SpatiaLite store. The first byte of an input
// picks the entity type, the rest is the filter text.
//
// Invariants (a broken one aborts):
//  - parsing fails only with a non-empty kBadRequest message;
//  - the canonical text of a parsed filter parses back to the same text;
//  - a parsed filter runs, or fails with kBadRequest or kNotImplemented —
//    never kInternal, which would mean the compiler wrote SQL the engine
//    refused, or a crash inside SQLite or SpatiaLite;
//  - compiled for PostgreSQL too (compile only: the run needs no server), it
//    compiles or fails with kBadRequest, and its SQL is plain ASCII — every
//    byte of client text went into a parameter.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "model/entity_type.h"
#include "odata/filter.h"
#include "odata/filter_parser.h"
#include "sql/filter_compiler.h"
#include "sql/select_builder.h"
#include "sql/table_map.h"
#include "store/postgres/postgres_dialect.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace {

namespace json = boost::json;
using fundament::Status;
using fundament::model::EntityKind;
using fundament::store::WriteTransaction;

const fundament::model::NavigationDef* Nav(EntityKind kind, std::string_view name) {
  return fundament::model::TypeOf(kind).FindNavigation(name);
}

// A store with one entity of each type, linked, with JSON of several shapes.
fundament::store::Store& FuzzStore() {
  static std::unique_ptr<fundament::store::Store> store = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "fundament-filter-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    fundament::store::SqliteOptions options;
    options.path = dir + "/fuzz.db";
    options.reader_connections = 1;
    auto opened = fundament::store::OpenSqliteStore(options);
    if (!opened.ok()) std::abort();
    auto store = std::move(opened).value();
    Status written = store->Write([](WriteTransaction& tx) -> Status {
      auto object = [](std::string_view text) { return json::parse(text).as_object(); };
      auto thing = tx.Insert(EntityKind::kThing,
                             object(R"({"name":"Pegel","description":"d","properties":{"a":1,"b":"x",
                                        "c":[1,"2",{"d":true}],"e":null,"f":2.5}})"),
                             {});
      auto location = tx.Insert(EntityKind::kLocation,
                                object(R"({"name":"l","description":"d","encodingType":"application/geo+json",
                                           "location":{"type":"Point","coordinates":[10.1,54.3]}})"),
                                {});
      auto sensor = tx.Insert(EntityKind::kSensor,
                              object(R"({"name":"s","description":"d","encodingType":"text/html",
                                         "metadata":"https://example.org"})"),
                              {});
      auto property = tx.Insert(EntityKind::kObservedProperty,
                                object(R"({"name":"p","definition":"https://example.org/p","description":"d"})"), {});
      auto feature = tx.Insert(EntityKind::kFeatureOfInterest,
                               object(R"({"name":"f","description":"d","encodingType":"application/geo+json",
                                          "feature":{"type":"Polygon","coordinates":[[[10,54],[11,54],[11,55],[10,54]]]}})"),
                               {});
      if (!thing.ok() || !location.ok() || !sensor.ok() || !property.ok() || !feature.ok()) std::abort();
      if (!tx.Link(EntityKind::kThing, *thing, *Nav(EntityKind::kThing, "Locations"), *location).ok()) std::abort();
      auto datastream = tx.Insert(
          EntityKind::kDatastream,
          object(R"({"name":"ds","description":"d","unitOfMeasurement":{"name":"cm","symbol":"cm","definition":"u"},
                     "observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"})"),
          {{Nav(EntityKind::kDatastream, "Thing"), *thing},
           {Nav(EntityKind::kDatastream, "Sensor"), *sensor},
           {Nav(EntityKind::kDatastream, "ObservedProperty"), *property}});
      if (!datastream.ok()) std::abort();
      for (std::string_view result : {"1", "2.5", "\"x\"", "true", "{\"a\":[1]}", "null"}) {
        auto fields = object(R"({"phenomenonTime":"2025-01-01T00:00:00Z/2025-01-01T01:00:00Z",
                                 "resultTime":"2025-01-01T01:00:00Z","validTime":"2025-01-01T00:00:00Z/2025-01-02T00:00:00Z",
                                 "parameters":{"q":1}})");
        fields["result"] = json::parse(result);
        auto observation = tx.Insert(EntityKind::kObservation, fields,
                                     {{Nav(EntityKind::kObservation, "Datastream"), *datastream},
                                      {Nav(EntityKind::kObservation, "FeatureOfInterest"), *feature}});
        if (!observation.ok()) std::abort();
      }
      return Status::Ok();
    });
    if (!written.ok()) std::abort();
    return store;
  }();
  return *store;
}

constexpr EntityKind kKinds[] = {
    EntityKind::kThing,           EntityKind::kLocation, EntityKind::kHistoricalLocation,
    EntityKind::kDatastream,      EntityKind::kMultiDatastream, EntityKind::kSensor,
    EntityKind::kObservedProperty, EntityKind::kObservation, EntityKind::kFeatureOfInterest,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const EntityKind kind = kKinds[data[0] % std::size(kKinds)];
  const auto& type = fundament::model::TypeOf(kind);
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  fundament::odata::FilterLimits limits;
  limits.max_length = 4096;
  auto parsed = fundament::odata::ParseFilter(type, text, limits);
  if (!parsed.ok()) {
    if (parsed.error().code != fundament::ErrorCode::kBadRequest || parsed.error().message.empty()) std::abort();
    return 0;
  }
  // The canonical form is a fixed point.
  const std::string canonical = fundament::odata::ToString(**parsed);
  fundament::odata::FilterLimits generous;
  generous.max_length = 1 << 20;
  generous.max_depth = 1024;
  generous.max_nodes = 1 << 20;
  auto reparsed = fundament::odata::ParseFilter(type, canonical, generous);
  if (!reparsed.ok() || fundament::odata::ToString(**reparsed) != canonical) std::abort();

  fundament::sql::SelectBuilder builder(fundament::store::postgres::PostgresSql(),
                                        std::string(fundament::sql::TableOf(kind).table) + " AS e");
  const fundament::sql::FilterScope scope{kind, "e", 0};
  auto compiled = fundament::sql::CompileFilter(**parsed, scope, builder);
  if (!compiled.ok()) {
    if (compiled.error().code != fundament::ErrorCode::kBadRequest) std::abort();
  } else {
    for (char c : *compiled)
      if (static_cast<unsigned char>(c) >= 0x80) std::abort();
  }

  fundament::store::ReadRequest request;
  request.kind = kind;
  request.filter = *parsed;
  request.count = true;
  request.limit = 10;
  auto result = FuzzStore().Read(request);
  if (!result.ok()) {
    const auto code = result.error().code;
    if (code != fundament::ErrorCode::kBadRequest && code != fundament::ErrorCode::kNotImplemented) std::abort();
  }
  return 0;
}
