// The dataArray form of Observations (OGC 18-088 §13): the columns of a
// `$resultFormat=dataArray` answer (§13.1), and creating Observations from it
// (§13.2, `POST /CreateObservations`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "common/http_message.h"
#include "common/result.h"
#include "sta/entity_output.h"
#include "store/store.h"

namespace fundament::sta {

// The component that holds an Observation's FeatureOfInterest id, in both
// directions: CreateObservations takes it, and a dataArray answer gives it
// when `$select` names FeatureOfInterest.
inline constexpr std::string_view kFeatureOfInterestIdComponent = "FeatureOfInterest/id";

// The components of a dataArray answer for the (parsed) `$select` list:
// "id" and every Observation property when `select` is empty, else "id" for
// "@iot.id", properties by name, and FeatureOfInterest as
// kFeatureOfInterestIdComponent. §13.1 makes components Observation property
// names; anything else in `select` (@iot.selfLink, Datastream,
// MultiDatastream, which the group itself names) has no column and is
// kBadRequest with a message listing the components there are.
Result<std::vector<std::string>> DataArrayComponents(const std::vector<std::string>& select);

// Creates the Observations of `document` (an array of {Datastream or
// MultiDatastream, components, dataArray}) in one transaction. A row whose
// values are invalid is answered with "error" in its place while the others
// are created, as the standard asks; a document whose structure is wrong
// (unknown component, row of the wrong length, unknown Datastream) is
// rejected whole with 400. Answers 201 with one selfLink (or "error") per row.
Result<HttpResponse> CreateObservations(store::Store& store, const Links& links, const boost::json::value& document);

}  // namespace fundament::sta
