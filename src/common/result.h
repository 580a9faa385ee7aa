// Result types used by every fallible call in Fundament.
//
// A fallible function returns `Status` (success or an Error) or `Result<T>`
// (a value or an Error). Exceptions never cross module boundaries; the HTTP
// layer turns an Error into one JSON body {"code":…, "error":…, "message":…}.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace fundament {

// What went wrong, in terms a client can act on. Each maps to one HTTP status.
enum class ErrorCode {
  kBadRequest,            // 400: malformed or invalid input
  kNotFound,              // 404: unknown entity set, id, property or path
  kMethodNotAllowed,      // 405
  kConflict,              // 409: e.g. a constraint that other data violates
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  // 424: inside a batch only, a request not run because one it depends on
  // failed, or not applied because its atomicity group (change set) failed.
  kFailedDependency,
  kNotImplemented,        // 501: a standard feature not (yet) offered
  kUnavailable,           // 503: shutting down, store not ready
  kInternal,              // 500: a bug or an I/O failure
};

// The HTTP status code for an error code.
int HttpStatus(ErrorCode code);

// The stable machine-readable name of an error code ("bad_request", …).
const char* ErrorCodeName(ErrorCode code);

// An error: a code, a human-readable message, and where known the offending
// field (a JSON member path such as "Datastreams[0].unitOfMeasurement").
struct Error {
  Error() = default;
  Error(ErrorCode code, std::string message, std::string field = {})
      : code(code), message(std::move(message)), field(std::move(field)) {}

  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;

  int http_status() const { return HttpStatus(code); }
  // The JSON error body: {"code":400,"error":"bad_request","message":"…","field":"…"}.
  std::string ToJson() const;
};

inline Error BadRequest(std::string message, std::string field = {}) {
  return Error{ErrorCode::kBadRequest, std::move(message), std::move(field)};
}
inline Error NotFound(std::string message) { return Error{ErrorCode::kNotFound, std::move(message), {}}; }
inline Error Internal(std::string message) { return Error{ErrorCode::kInternal, std::move(message), {}}; }

// Success or an Error. [[nodiscard]] so that no failure is silently dropped.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

// A value of type T or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(Status status) : data_(std::in_place_index<1>, status.error()) { assert(!status.ok()); }  // NOLINT

  bool ok() const { return data_.index() == 0; }
  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }
  Status status() const { return ok() ? Status::Ok() : Status(error()); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace fundament

// Returns early from the enclosing function with the error of a failed Status.
#define FUNDAMENT_RETURN_IF_ERROR(expr)          \
  do {                                           \
    ::fundament::Status status_ = (expr);        \
    if (!status_.ok()) return status_.error();   \
  } while (0)

#define FUNDAMENT_CONCAT_INNER(a, b) a##b
#define FUNDAMENT_CONCAT(a, b) FUNDAMENT_CONCAT_INNER(a, b)

// `FUNDAMENT_ASSIGN_OR_RETURN(auto x, Compute());` binds the value or returns the error.
#define FUNDAMENT_ASSIGN_OR_RETURN(lhs, expr) \
  FUNDAMENT_ASSIGN_OR_RETURN_IMPL(FUNDAMENT_CONCAT(result_, __LINE__), lhs, expr)
#define FUNDAMENT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.error();                    \
  lhs = std::move(tmp).value()
