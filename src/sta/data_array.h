// Creating Observations in the dataArray form (OGC 18-088 §13.2,
// `POST /CreateObservations`).
#pragma once

#include <boost/json/value.hpp>

#include "common/http_message.h"
#include "common/result.h"
#include "sta/entity_output.h"
#include "store/store.h"

namespace fundament::sta {

// Creates the Observations of `document` (an array of {Datastream or
// MultiDatastream, components, dataArray}) in one transaction. A row whose
// values are invalid is answered with "error" in its place while the others
// are created, as the standard asks; a document whose structure is wrong
// (unknown component, row of the wrong length, unknown Datastream) is
// rejected whole with 400. Answers 201 with one selfLink (or "error") per row.
Result<HttpResponse> CreateObservations(store::Store& store, const Links& links, const boost::json::value& document);

}  // namespace fundament::sta
