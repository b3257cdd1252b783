// The one exception type of the state store core. `code` is the stable code the JS layer maps to
// an error class: CORRUPTION / IO_ERROR (StorageError), CAPACITY (RangeError), INVALID_ARGUMENT
// (TypeError), WRONG_KIND (TypeError: the call does not fit the store's key or value kind).
#pragma once
#include <stdexcept>
#include <string>

namespace laminar::state {

class StateError : public std::runtime_error {
 public:
  StateError(const char* code, const std::string& message) : std::runtime_error(message), code_(code) {}
  const char* code() const { return code_; }

 private:
  const char* code_;
};

}  // namespace laminar::state
