// Parse and compile time of typical $filter expressions: what a request pays
// before the store runs any SQL. Google Benchmark; `make bench` runs it.
#include <benchmark/benchmark.h>

#include <string>

#include "model/entity_type.h"
#include "model/time.h"
#include "odata/filter_parser.h"
#include "sql/filter_compiler.h"
#include "sql/select_builder.h"
#include "store/sqlite/sqlite_dialect.h"

namespace {

using fundament::model::EntityKind;

struct Case {
  EntityKind kind;
  const char* filter;
};

// Filters as dashboards and scripts send them, from simple to heavy.
const Case kCases[] = {
    {EntityKind::kObservation, "result gt 5"},
    {EntityKind::kObservation,
     "Datastream/id eq 17 and phenomenonTime ge 2025-11-01T00:00:00Z and phenomenonTime lt 2025-11-08T00:00:00Z"},
    {EntityKind::kThing, "startswith(name, 'Pegel') and properties/operator eq 'Stadt Kiel'"},
    {EntityKind::kThing, "geo.distance(Locations/location, geography'POINT(10.13 54.32)') lt 5000"},
    {EntityKind::kDatastream,
     "st_within(observedArea, geography'POLYGON((9.9 54.2, 10.3 54.2, 10.3 54.5, 9.9 54.5, 9.9 54.2))') and "
     "unitOfMeasurement/symbol eq 'cm'"},
    {EntityKind::kObservation,
     "(result ge 100 and result le 500) or (year(resultTime) eq 2025 and month(resultTime) eq 11) or "
     "Datastream/Thing/properties/district eq 'Gaarden' or tolower(FeatureOfInterest/name) eq 'holtenau'"},
};

void ParseOnly(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto& type = fundament::model::TypeOf(c.kind);
  for (auto _ : state) {
    auto parsed = fundament::odata::ParseFilter(type, c.filter);
    if (!parsed.ok()) state.SkipWithError(parsed.error().message.c_str());
    benchmark::DoNotOptimize(parsed);
  }
  state.SetLabel(c.filter);
}

void ParseAndCompile(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto& type = fundament::model::TypeOf(c.kind);
  const auto& dialect = fundament::store::sqlite::SqliteSql(true);
  for (auto _ : state) {
    auto parsed = fundament::odata::ParseFilter(type, c.filter);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().message.c_str());
      break;
    }
    fundament::sql::SelectBuilder builder(dialect, "observation AS e");
    fundament::sql::FilterScope scope{c.kind, "e", fundament::model::Now()};
    auto condition = fundament::sql::CompileFilter(**parsed, scope, builder);
    if (!condition.ok()) state.SkipWithError(condition.error().message.c_str());
    benchmark::DoNotOptimize(condition);
  }
  state.SetLabel(c.filter);
}

BENCHMARK(ParseOnly)->DenseRange(0, std::size(kCases) - 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(ParseAndCompile)->DenseRange(0, std::size(kCases) - 1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
