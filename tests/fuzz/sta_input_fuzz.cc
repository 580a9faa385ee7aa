// Fuzzes the parsers of request bodies: entity JSON for every entity type and
// mode, and both $batch formats. None may crash, hang or leak, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/entity_type.h"
#include "sta/batch.h"
#include "sta/entity_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fundament;
  if (size == 0) return 0;
  // The first byte picks the parser, the rest is the body.
  const uint8_t selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (selector % 3) {
    case 0: {
      auto document = sta::ParseJsonBody(body);
      if (!document.ok()) return 0;
      auto kind = model::kAllEntityKinds[(selector / 3) % std::size(model::kAllEntityKinds)];
      for (auto mode : {sta::InputMode::kCreate, sta::InputMode::kPatch, sta::InputMode::kReplace})
        (void)sta::ParseEntityInput(model::TypeOf(kind), *document, mode);
      break;
    }
    case 1:
      (void)sta::ParseJsonBatch(body);
      break;
    case 2:
      (void)sta::ParseMultipartBatch(body, "b");
      break;
  }
  return 0;
}
