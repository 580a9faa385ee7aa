// What the two storage ceilings (bench/sqlite_ceiling.cc, bench/pg_ceiling.cc)
// share: timing repeated reads, printing them as the JSON lines bench/run
// reads, and the reads of the read benchmarks as the server asks the store
// for them, so that both engines are measured the same way.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/result.h"
#include "model/entity_type.h"
#include "odata/query.h"
#include "store/store.h"

namespace fundament::bench {

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Median and minimum of `repeat` timed runs of `run` after one untimed one
// (which warms the caches); `run` returns the rows it produced.
struct Timing {
  double median = 0, min = 0;
  int64_t rows = 0;
};

template <typename RunOnce>
Result<Timing> TimeRepeated(int repeat, RunOnce run) {
  FUNDAMENT_ASSIGN_OR_RETURN(int64_t rows, run());
  std::vector<double> seconds;
  for (int i = 0; i < repeat; ++i) {
    const auto started = Clock::now();
    FUNDAMENT_ASSIGN_OR_RETURN(int64_t again, run());
    seconds.push_back(SecondsSince(started));
    if (again != rows) return Internal("a repeated read returned another number of rows");
  }
  std::sort(seconds.begin(), seconds.end());
  return Timing{seconds[seconds.size() / 2], seconds.front(), rows};
}

inline void PrintTiming(const std::string& read, const std::string& how, const Timing& timing) {
  fmt::print(R"({{"mode":"read","read":"{}","how":"{}","rows":{},"median_s":{:.6f},"min_s":{:.6f}}})"
             "\n",
             read, how, timing.rows, timing.median, timing.min);
  std::fflush(stdout);
}

// "1000,10000" → {1000, 10000}.
inline std::vector<int64_t> ParseList(const std::string& text) {
  std::vector<int64_t> values;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) values.push_back(std::stoll(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return values;
}

// Times both reads through `store` (the server's SQL plus decoding rows into
// entities, without HTTP or JSON) and prints them as "store_read": the scan,
// and the newest Observation of each of `latest` Datastreams as
// Reader::Collection and Reader::Expand ask for it (the Datastreams, then one
// grouped read of their Observations), from one snapshot.
inline Status TimeStoreReads(store::Store& store, const store::ReadRequest& scan, int64_t limit, int64_t latest,
                             int repeat, uint64_t& checksum) {
  FUNDAMENT_ASSIGN_OR_RETURN(Timing store_scan, TimeRepeated(repeat, [&]() -> Result<int64_t> {
    FUNDAMENT_ASSIGN_OR_RETURN(auto result, store.Read(scan));
    return static_cast<int64_t>(std::min<size_t>(result.entities.size(), static_cast<size_t>(limit)));
  }));
  PrintTiming("scan", "store_read", store_scan);

  const auto* observations = model::TypeOf(model::EntityKind::kDatastream).FindNavigation("Observations");
  FUNDAMENT_ASSIGN_OR_RETURN(Timing store_latest, TimeRepeated(repeat, [&]() -> Result<int64_t> {
    int64_t rows = 0;
    FUNDAMENT_RETURN_IF_ERROR(store.ReadSnapshot([&](store::ReadTransaction& reads) -> Status {
      store::ReadRequest streams;
      streams.kind = model::EntityKind::kDatastream;
      streams.limit = latest + 1;
      FUNDAMENT_ASSIGN_OR_RETURN(auto result, reads.Read(streams));
      store::RelatedReadRequest newest;
      newest.kind = model::EntityKind::kObservation;
      newest.parent_kind = model::EntityKind::kDatastream;
      newest.navigation = observations;
      for (const auto& entity : result.entities) {
        if (static_cast<int64_t>(newest.parent_ids.size()) == latest) break;
        newest.parent_ids.push_back(entity.id);
      }
      newest.orderby = {odata::OrderKey{"phenomenonTime", {}, true}};
      newest.limit = 2;
      FUNDAMENT_ASSIGN_OR_RETURN(auto groups, reads.ReadRelated(newest));
      for (const auto& group : groups) checksum += group.entities.size();
      rows = static_cast<int64_t>(groups.size());
      return Status::Ok();
    }));
    return rows;
  }));
  PrintTiming("latest", "store_read", store_latest);
  return Status::Ok();
}

}  // namespace fundament::bench
