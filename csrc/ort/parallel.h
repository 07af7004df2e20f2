// Parallel loops on ORT's intra-op pool (KernelContext_ParallelFor), so a session's
// intra_op_num_threads is honoured and nothing oversubscribes: no threads of our own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>

#include "ort/ort_api.h"

namespace symreg::ort {

// Runs fn(0) ... fn(tasks - 1), concurrently, and returns when all are done; one task
// runs on the calling thread without the pool. An exception must not escape into a pool
// thread: the first one is kept and rethrown here.
template <typename Fn>
void ParallelTasks(const Ort::KernelContext& ctx, int64_t tasks, const Fn& fn) {
  struct Shared {
    const Fn& fn;
    std::mutex mutex;
    std::exception_ptr error;
  } shared{fn, {}, {}};
  const auto run = [](void* data, size_t task) {
    auto& s = *static_cast<Shared*>(data);
    try {
      s.fn(static_cast<int64_t>(task));
    } catch (...) {
      const std::lock_guard<std::mutex> lock(s.mutex);
      if (!s.error) s.error = std::current_exception();
    }
  };
  if (tasks == 1) {
    run(&shared, 0);
  } else if (tasks > 1) {
    ctx.ParallelFor(run, static_cast<size_t>(tasks), 0, &shared);
  }
  if (shared.error) std::rethrow_exception(shared.error);
}

// fn(begin, count) over the elements [0, n), in chunks of `grain` (the last shorter): the
// loop of elementwise ops. grain > 0.
template <typename Fn>
void ParallelChunks(const Ort::KernelContext& ctx, int64_t n, int64_t grain, const Fn& fn) {
  ParallelTasks(ctx, (n + grain - 1) / grain, [&](int64_t task) {
    const int64_t begin = task * grain;
    fn(begin, std::min(grain, n - begin));
  });
}

}  // namespace symreg::ort
