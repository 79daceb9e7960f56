// Nonblocking point-to-point messages with heartbeats and deadlines (see
// link.h).
#include "link.h"

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "initcheck/error.h"

namespace initcheck::mpi {
namespace {

// How often the main thread polls MPI while it waits. Small against any
// timeout, large enough to cost nothing (a few hundred polls per second).
constexpr auto kPoll = std::chrono::milliseconds(5);

void Check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(rc, text, &n);
    throw Error(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(n)));
  }
}

}  // namespace

Session::Session(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (provided < MPI_THREAD_FUNNELED) {
    // The checks run on threads that never call MPI; an MPI that does not
    // even allow that cannot host initcheck-mpi.
    if (rank_ == 0) {
      std::fprintf(stderr, "initcheck: error: this MPI library does not provide "
                           "MPI_THREAD_FUNNELED (initcheck-mpi checks on threads)\n");
    }
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
}

Session::~Session() { MPI_Finalize(); }

Link::Link(MPI_Comm comm, double timeout_seconds)
    : comm_(comm), timeout_(timeout_seconds) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  // A heartbeat every second, or more often for short timeouts (at least 4
  // beats per timeout, so one late beat never declares a peer dead).
  heartbeat_ = std::min(1.0, timeout_ / 4);
  const auto now = Clock::now();
  heard_.assign(static_cast<std::size_t>(size_), now);
  done_.assign(static_cast<std::size_t>(size_), false);
  last_beat_ = now - std::chrono::hours(1);  // beat at the first pump
}

Link::~Link() = default;

std::string Link::host() const {
  char name[MPI_MAX_PROCESSOR_NAME];
  int n = 0;
  MPI_Get_processor_name(name, &n);
  return std::string(name, static_cast<std::size_t>(n));
}

void Link::send(int dest, int tag, std::string bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    throw Error("a message of " + std::to_string(bytes.size()) +
                " bytes to rank " + std::to_string(dest) + " exceeds MPI's 2^31-byte count");
  }
  sends_.push_back({MPI_REQUEST_NULL, std::move(bytes)});
  Pending& p = sends_.back();
  Check(MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, dest, tag, comm_,
                  &p.request),
        "MPI_Isend");
}

bool Link::watching(int peer) const {
  if (peer == rank_) return false;
  if (rank_ == 0) return !done_[static_cast<std::size_t>(peer)];  // until its BYE
  return peer == 0 && !done_[0];                                  // until the FINAL
}

void Link::DeclareDead(int peer, double silent) {
  const auto k = static_cast<std::size_t>(peer);
  const std::string host = k < hosts_.size() ? " (host " + hosts_[k] + ")" : "";
  std::fprintf(stderr,
               "initcheck: error: rank %d%s has sent nothing for %.0f s (--mpi-timeout %g): "
               "it crashed, froze or lost its node; aborting the job\n",
               peer, host.c_str(), silent, timeout_);
  std::fflush(stderr);
  MPI_Abort(comm_, 3);
  std::_Exit(3);  // not reached
}

void Link::pump() {
  // Receive everything that arrived.
  for (;;) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    Check(MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &message, &status),
          "MPI_Improbe");
    if (!flag) break;
    int n = 0;
    MPI_Get_count(&status, MPI_BYTE, &n);
    std::string bytes(static_cast<std::size_t>(n), '\0');
    Check(MPI_Mrecv(bytes.data(), n, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
    const int source = status.MPI_SOURCE;
    const int tag = status.MPI_TAG;
    heard_[static_cast<std::size_t>(source)] = Clock::now();
    if (tag == kHeartbeat) continue;
    if (tag == kFinal || tag == kBye) done_[static_cast<std::size_t>(source)] = true;
    inbox_[source].emplace_back(tag, std::move(bytes));
  }
  // Forget delivered sends.
  for (auto it = sends_.begin(); it != sends_.end();) {
    int flag = 0;
    Check(MPI_Test(&it->request, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    it = flag ? sends_.erase(it) : std::next(it);
  }
  const auto now = Clock::now();
  // Heartbeats: rank 0 to every rank until its FINAL, the others to rank 0
  // until their BYE (neither is followed by anything).
  if (std::chrono::duration<double>(now - last_beat_).count() >= heartbeat_) {
    last_beat_ = now;
    if (rank_ == 0 && !finals_sent_) {
      for (int k = 1; k < size_; ++k) send(k, kHeartbeat, std::string(1, '\0'));
    } else if (rank_ != 0 && !bye_sent_) {
      send(0, kHeartbeat, std::string(1, '\0'));
    }
  }
  // Deadlines (after draining: a backlog of messages is not silence).
  for (int k = 0; k < size_; ++k) {
    if (!watching(k)) continue;
    const double silent =
        std::chrono::duration<double>(now - heard_[static_cast<std::size_t>(k)]).count();
    if (silent > timeout_) DeclareDead(k, silent);
  }
}

std::pair<int, std::string> Link::receive(int source, const std::vector<int>& tags) {
  for (;;) {
    auto& queue = inbox_[source];
    for (auto it = queue.begin(); it != queue.end(); ++it) {
      for (const int t : tags) {
        if (it->first != t) continue;
        std::pair<int, std::string> m = std::move(*it);
        queue.erase(it);
        return m;
      }
    }
    pump();
    std::this_thread::sleep_for(kPoll);
  }
}

void Link::run_detached(const std::function<void()>& body) {
  std::exception_ptr error;
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
    finished.store(true, std::memory_order_release);
  });
  while (!finished.load(std::memory_order_acquire)) {
    pump();
    std::this_thread::sleep_for(kPoll);
  }
  worker.join();
  if (error) std::rethrow_exception(error);
}

void Link::close_worker() {
  send(0, kBye, {});
  bye_sent_ = true;
  const auto start = Clock::now();
  while (!sends_.empty()) {
    pump();
    const double waited = std::chrono::duration<double>(Clock::now() - start).count();
    if (waited > timeout_) DeclareDead(0, waited);
    std::this_thread::sleep_for(kPoll);
  }
}

void Link::close_root(int code) {
  const std::string bytes(reinterpret_cast<const char*>(&code), sizeof code);
  for (int k = 1; k < size_; ++k) send(k, kFinal, bytes);
  finals_sent_ = true;
  for (;;) {
    pump();
    bool all = sends_.empty();
    for (int k = 1; k < size_ && all; ++k) all = done_[static_cast<std::size_t>(k)];
    if (all) return;
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace initcheck::mpi
