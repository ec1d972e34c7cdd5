// The fan-out's worker pool: runs one command per tenant on a few threads, with --fail-fast,
// --canary and one-first, and hands each finished tenant back to the calling thread. Apart from
// the listing (tenants.cpp) because it knows nothing of catalogs or URLs: only threads.
#include "core/run/tenants.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/base/errors.h"
#include "core/run/tenants_internal.h"

namespace tsm {
namespace {

thread_local std::string t_label;

}  // namespace

const std::string& tenant_log_label() { return t_label; }

std::vector<TenantResult> run_fanout(const std::vector<Tenant>& tenants, const FanoutOptions& options,
                                     const std::function<TenantResult(const Tenant&)>& work,
                                     const std::function<void(const TenantResult&, std::size_t done)>& done) {
  std::vector<TenantResult> results(tenants.size());
  for (std::size_t i = 0; i < tenants.size(); ++i) results[i].tenant = tenants[i].name;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::size_t> finished;
  std::atomic<bool> stop{false};
  std::size_t done_count = 0;

  auto run_one = [&](std::size_t i) {
    t_label = tenants[i].name;
    TenantResult r;
    const auto start = std::chrono::steady_clock::now();
    try {
      r = work(tenants[i]);
    } catch (const Error& e) {
      r.status = TenantResult::Status::failed;
      r.exit_code = static_cast<int>(e.code());
      r.error = tenants_detail::first_line(e.what());
    } catch (const std::exception& e) {
      r.status = TenantResult::Status::failed;
      r.exit_code = static_cast<int>(ExitCode::migration_failed);
      r.error = tenants_detail::first_line(e.what());
    }
    t_label.clear();
    if (r.status == TenantResult::Status::failed && !r.before) r.before = tenants[i].rows;
    r.tenant = tenants[i].name;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.status == TenantResult::Status::failed && options.fail_fast) stop = true;
    std::lock_guard<std::mutex> lock(mutex);
    results[i] = std::move(r);
    finished.push_back(i);
    changed.notify_one();
  };

  // Runs tenants [begin, end) on up to `jobs` threads; this thread reports each as it finishes.
  auto phase = [&](std::size_t begin, std::size_t end, int jobs) {
    std::atomic<std::size_t> next{begin};
    const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(std::max(jobs, 1)), end - begin);
    std::size_t running = count;  // guarded by `mutex`: threads that have not finished yet
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < count; ++t)
      threads.emplace_back([&] {
        for (;;) {
          if (stop) break;
          const std::size_t i = next++;
          if (i >= end) break;
          run_one(i);
        }
        std::lock_guard<std::mutex> lock(mutex);
        --running;
        changed.notify_one();
      });
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return !finished.empty() || running == 0; });
      if (finished.empty()) break;
      const std::size_t i = finished.front();
      finished.pop_front();
      const std::size_t count = ++done_count;
      lock.unlock();
      if (done) done(results[i], count);
    }
    for (auto& t : threads) t.join();
  };

  const std::size_t n = tenants.size();
  auto failed_in = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
      if (results[i].status == TenantResult::Status::failed) return true;
    return false;
  };
  bool one_first = options.one_first;
  // One tenant at a time until one succeeds, then `jobs` at once.
  auto run_range = [&](std::size_t begin, std::size_t end) {
    while (one_first && begin < end && !stop) {
      phase(begin, begin + 1, 1);
      if (results[begin++].status != TenantResult::Status::failed) one_first = false;
    }
    if (begin < end && !stop) phase(begin, end, options.jobs);
  };
  const std::size_t canary = std::min<std::size_t>(static_cast<std::size_t>(std::max(options.canary, 0)), n);
  if (canary > 0) {
    run_range(0, canary);
    if (failed_in(0, canary)) stop = true;
    run_range(canary, n);
  } else {
    run_range(0, n);
  }
  return results;
}

}  // namespace tsm
