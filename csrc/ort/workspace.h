// Per-call scratch memory from the session's CPU allocator, whose arena reuses it
// across calls (no allocation per call once warm), freed when the call ends.
#pragma once

#include <cstddef>
#include <new>

#include "ort/ort_api.h"

namespace symreg::ort {

class Workspace {
 public:
  // `bytes` of uninitialised memory (none for 0). Throws std::bad_alloc.
  Workspace(const Ort::KernelContext& ctx, size_t bytes) {
    if (bytes == 0) return;
    Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeDefault);
    allocator_ = ctx.GetAllocator(*static_cast<OrtMemoryInfo*>(cpu));
    if (allocator_ != nullptr) data_ = allocator_->Alloc(allocator_, bytes);
    if (data_ == nullptr) {
      Release();
      throw std::bad_alloc();
    }
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() { Release(); }

  void* data() const { return data_; }

 private:
  void Release() {
    if (data_ != nullptr) allocator_->Free(allocator_, data_);
    if (allocator_ != nullptr) Ort::GetApi().ReleaseAllocator(allocator_);
    data_ = nullptr;
    allocator_ = nullptr;
  }

  OrtAllocator* allocator_ = nullptr;
  void* data_ = nullptr;
};

}  // namespace symreg::ort
