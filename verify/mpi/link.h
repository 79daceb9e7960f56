// File: verify/mpi/link.h
//
// The only MPI code of initcheck: point-to-point messages between rank 0 and
// the other ranks of MPI_COMM_WORLD (a star), all nonblocking, with a
// deadline on every wait so that no rank waits forever for a peer that
// crashed, froze or lost its node.
//
// Liveness, not patience: every rank's main thread only polls MPI
// (MPI_Improbe / MPI_Mrecv / MPI_Test, ~5 ms apart) while its work runs on
// another thread (serve_while); rank 0 sends a heartbeat to every rank and
// every rank to rank 0 each `heartbeat` seconds. A peer not heard from for
// `timeout` seconds is declared dead whatever the checks cost: a rank busy
// for an hour with one large tensor keeps answering, a frozen or killed one
// does not. (A rank whose work thread hangs -- a read from a dead network
// file system -- still answers: that looks like a slow tensor, as it does
// in one process.)
//
// Orderly end without lost messages (MPI requires every message to be
// received before MPI_Finalize): rank 0's last message to rank k is FINAL,
// rank k's last message to rank 0 is BYE, and each side receives with
// MPI_ANY_TAG from the other until that last message (MPI does not let
// messages between one pair overtake each other), so every heartbeat sent is
// received.
//
// Threads: MPI is initialized MPI_THREAD_FUNNELED and called from the main
// thread only; the work (oneTBB inside) never calls MPI.
#ifndef INITCHECK_VERIFY_MPI_LINK_H_
#define INITCHECK_VERIFY_MPI_LINK_H_

#include <mpi.h>

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace initcheck::mpi {

// MPI_Init_thread / MPI_Finalize for the lifetime of the object (main()).
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
};

// Message kinds (MPI tags).
enum Tag : int {
  kHeartbeat = 1,
  kPlan = 2,    // rank k -> 0: how its setup went
  kGo = 3,      // 0 -> rank k: check your share
  kResult = 4,  // rank k -> 0: the outcomes of its share
  kFinal = 5,   // 0 -> rank k: the exit code; the last message 0 sends k
  kBye = 6,     // rank k -> 0: the last message k sends 0
};

class Link {
 public:
  // `timeout`: seconds of silence after which a peer is declared dead.
  Link(MPI_Comm comm, double timeout_seconds);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  double timeout() const { return timeout_; }
  // MPI_Get_processor_name.
  std::string host() const;
  // The hosts of the ranks, when known, for the messages about dead peers.
  void name_peers(std::vector<std::string> hosts) { hosts_ = std::move(hosts); }

  // Sends `bytes` to `dest` (nonblocking; kept until delivered). Throws
  // Error for a message of 2^31 bytes or more.
  void send(int dest, int tag, std::string bytes);
  // Waits for the next message from `source` whose tag is in `tags`
  // (heartbeats are consumed on the way); returns (tag, bytes).
  std::pair<int, std::string> receive(int source, const std::vector<int>& tags);
  // Runs fn() on a worker thread while this thread keeps the link alive
  // (answering heartbeats, receiving early messages, watching deadlines);
  // returns fn's result or rethrows its exception.
  template <class F>
  auto serve_while(F&& fn) -> decltype(fn());
  // The end of the conversation with rank 0 (ranks > 0): the FINAL has been
  // received; sends BYE and waits until every send is delivered.
  void close_worker();
  // The end on rank 0: sends FINAL(code) to every rank, then receives
  // everything until each rank's BYE, and waits until every send is
  // delivered.
  void close_root(int code);

 private:
  // One round: receive whatever arrived, complete finished sends, send due
  // heartbeats, check deadlines (aborts the job on a dead peer).
  void pump();
  void run_detached(const std::function<void()>& body);
  [[noreturn]] void DeclareDead(int peer, double silent_seconds);
  bool watching(int peer) const;

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  double timeout_ = 0, heartbeat_ = 1;
  bool finals_sent_ = false;  // rank 0: FINAL sent to every rank
  bool bye_sent_ = false;     // ranks > 0: BYE sent to rank 0
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> heard_;  // per rank: last message received
  std::vector<bool> done_;
  std::vector<std::string> hosts_;                // per rank: its last message (FINAL/BYE) received
  Clock::time_point last_beat_;
  struct Pending {
    MPI_Request request;
    std::string bytes;
  };
  std::deque<Pending> sends_;
  std::map<int, std::deque<std::pair<int, std::string>>> inbox_;  // source -> (tag, bytes)
};

template <class F>
auto Link::serve_while(F&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  if constexpr (std::is_void_v<R>) {
    run_detached([&] { fn(); });
  } else {
    std::optional<R> result;
    run_detached([&] { result.emplace(fn()); });
    return std::move(*result);
  }
}

}  // namespace initcheck::mpi

#endif  // INITCHECK_VERIFY_MPI_LINK_H_
