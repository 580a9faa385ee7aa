// Resolving resource paths against stored data: which entity a path like
// `Things(1)/Datastreams(2)` addresses, and whether every step exists.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "odata/resource_path.h"
#include "store/store.h"

namespace fundament::sta {

// The entity an addressed path step resolved to.
struct ResolvedEntity {
  const model::EntityTypeDef* type = nullptr;
  int64_t id = 0;
};

// Resolves every step of `path` that addresses a single entity, checking that
// each exists and is related to the previous one. Returns the last single
// entity addressed (for `Things(1)/Datastreams` that is Thing 1; for
// `Datastreams(2)/Thing` it is the Thing), or nothing for a plain entity set.
// kNotFound when any step does not exist.
using ReadFunction = std::function<Result<store::ReadResult>(const store::ReadRequest&)>;

// What ResolvePath makes of a last step that is a single-valued navigation
// with no related entity (the Datastream of an Observation of a
// MultiDatastream): an error (kNotFound, for writes: there is nothing to
// change), or no entity (for reads, which answer 204 No Content).
enum class AbsentNavigation { kNotFound, kEmpty };

// With AbsentNavigation::kEmpty, a path whose last step is such a navigation
// resolves to std::nullopt; every earlier step must still exist.
Result<std::optional<ResolvedEntity>> ResolvePath(const ReadFunction& read, const odata::ResourcePath& path,
                                                  AbsentNavigation absent = AbsentNavigation::kNotFound);

// The read request for the collection or entity addressed by `path`, given the
// resolved parent of its last step.
store::ReadRequest RequestFor(const odata::ResourcePath& path, const std::optional<ResolvedEntity>& parent);

}  // namespace fundament::sta
