// A node's attributes as the op reads them, with typed errors: an absent attribute
// keeps the op's default, one of another type is a problem ("attribute group must be
// an int"), found at kernel creation, which returns it as an ORT status from
// CreateKernelV2 (never throws across the C ABI): the session fails to load.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ort/ort_api.h"

namespace symreg::ort {

class Attrs {
 public:
  Attrs(const OrtApi* api, const OrtKernelInfo* info) : api_(api), info_(info) {}

  // Each reader leaves *value as it was when the attribute is absent. An empty list
  // reads as absent: ORT's size query answers 0, without an error, for attributes of
  // other types too.
  void Ints(const char* name, std::vector<int64_t>* value) {
    size_t size = 0;
    if (Ok(api_->KernelInfoGetAttributeArray_int64(info_, name, nullptr, &size)) && size > 0) {
      std::vector<int64_t> read(size);
      if (Ok(api_->KernelInfoGetAttributeArray_int64(info_, name, read.data(), &size))) {
        *value = std::move(read);
        return;
      }
    }
    if (HasAnyValue(name)) Fail(name, "a list of ints");
  }

  void Int(const char* name, int64_t* value) {
    if (!Ok(api_->KernelInfoGetAttribute_int64(info_, name, value)) && HasAnyValue(name)) Fail(name, "an int");
  }

  void String(const char* name, std::string* value) {
    size_t size = 0;
    if (Ok(api_->KernelInfoGetAttribute_string(info_, name, nullptr, &size)) && size > 0) {
      std::string read(size, '\0');
      if (Ok(api_->KernelInfoGetAttribute_string(info_, name, read.data(), &size))) {
        read.resize(size > 0 ? size - 1 : 0);  // size counts the terminating NUL
        *value = std::move(read);
        return;
      }
    }
    if (HasAnyValue(name)) Fail(name, "a string");
  }

  // An int attribute that must be 0 or 1.
  void Bool(const char* name, bool* value) {
    int64_t read = *value ? 1 : 0;
    Int(name, &read);
    if (read != 0 && read != 1 && problem_.empty()) {
      problem_ = std::string("attribute ") + name + " must be 0 or 1, got " + std::to_string(read);
    }
    *value = read != 0;
  }

  // The first attribute of the wrong type, in words; empty when there was none.
  const std::string& problem() const { return problem_; }

 private:
  bool Ok(OrtStatus* status) const {
    if (status == nullptr) return true;
    api_->ReleaseStatus(status);
    return false;
  }

  // ORT reports "no such attribute" and "wrong type" alike: a value of any type that
  // reads tells them apart.
  bool HasAnyValue(const char* name) const {
    size_t size = 0;
    int64_t i = 0;
    float f = 0;
    const auto sized = [&](OrtStatus* status) { return Ok(status) && size > 0; };
    return Ok(api_->KernelInfoGetAttribute_int64(info_, name, &i)) ||
           Ok(api_->KernelInfoGetAttribute_float(info_, name, &f)) ||
           sized(api_->KernelInfoGetAttributeArray_int64(info_, name, nullptr, &size)) ||
           sized(api_->KernelInfoGetAttributeArray_float(info_, name, nullptr, &size)) ||
           sized(api_->KernelInfoGetAttribute_string(info_, name, nullptr, &size));
  }

  void Fail(const char* name, const char* expected) {
    if (problem_.empty()) problem_ = std::string("attribute ") + name + " must be " + expected;
  }

  const OrtApi* api_;
  const OrtKernelInfo* info_;
  std::string problem_;
};

}  // namespace symreg::ort
