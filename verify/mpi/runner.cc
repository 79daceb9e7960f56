// initcheck-mpi's protocol (see runner.h).
#include "runner.h"

#include <chrono>
#include <csignal>
#include <cstring>
#include <new>
#include <thread>

#include "initcheck/error.h"
#include "initcheck/verify/distribute.h"

namespace initcheck::mpi {
namespace {

using Clock = std::chrono::steady_clock;

// ---- small messages: PLAN, RESULT, FINAL ---------------------------------------

class Bytes {
 public:
  Bytes& u64(uint64_t v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Bytes& str(std::string_view s) {
    u64(s.size());
    out_.append(s.data(), s.size());
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Parse {
 public:
  Parse(std::string_view in, int from) : in_(in), from_(from) {}
  uint64_t u64() {
    uint64_t v = 0;
    Need(sizeof v);
    std::memcpy(&v, in_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string str() {
    const uint64_t n = u64();
    Need(n);
    std::string s(in_.substr(at_, static_cast<std::size_t>(n)));
    at_ += static_cast<std::size_t>(n);
    return s;
  }

 private:
  void Need(uint64_t n) const {
    if (n > in_.size() - at_) {
      throw Error("a message from rank " + std::to_string(from_) + " is truncated");
    }
  }
  std::string_view in_;
  int from_;
  std::size_t at_ = 0;
};

// How a step went on one rank: exit code 0 (fine), 2 (an input error) or 3
// (an internal error), and the message.
struct Status {
  int code = 0;
  std::string message;
};

// Runs fn, turning what the CLI maps to exit codes into a Status (main.cc's
// mapping: Error and out of memory -> 2, anything else -> 3).
template <class F>
Status Guard(F&& fn) {
  try {
    fn();
    return {};
  } catch (const Error& e) {
    return {2, e.what()};
  } catch (const std::bad_alloc&) {
    return {2, "out of memory"};
  } catch (const std::exception& e) {
    return {3, e.what()};
  }
}

std::string Where(int rank, const std::string& host) {
  return "rank " + std::to_string(rank) + " on host " + host;
}

void Inject(const Fault& f, int rank, double timeout) {
  if (f.rank != rank) return;
  switch (f.kind) {
    case Fault::Kind::kCrash:
      std::raise(SIGKILL);
      break;
    case Fault::Kind::kFreeze:
      std::raise(SIGSTOP);
      break;
    case Fault::Kind::kSlow:
      std::this_thread::sleep_for(std::chrono::duration<double>(2.5 * timeout));
      break;
    case Fault::Kind::kNone:
      break;
  }
}

int DecodeCode(const std::string& bytes) {
  int code = 3;
  if (bytes.size() == sizeof code) std::memcpy(&code, bytes.data(), sizeof code);
  return code;
}

// ---- the ranks > 0 ---------------------------------------------------------------

Outcome RunWorker(Link& link, const std::function<Job()>& setup, const Fault& fault) {
  Job job;
  Status st = Guard([&] { job = link.serve_while(setup); });
  const bool distributed = st.code == 0 && job.plan.has_value();
  link.send(0, kPlan,
            Bytes()
                .u64(static_cast<uint64_t>(st.code))
                .str(st.message)
                .u64(distributed ? 1 : 0)
                .u64(distributed ? verify::plan_fingerprint(*job.plan) : 0)
                .str(link.host())
                .take());
  auto [tag, bytes] = link.receive(0, {kGo, kFinal});
  if (tag == kGo) {
    std::string result;
    st = Guard([&] {
      const auto parts = verify::assign_by_size(*job.plan, link.size());
      result = link.serve_while([&] {
        Inject(fault, link.rank(), link.timeout());
        return verify::encode_outcomes(verify::check_planned(
            *job.checkpoint, *job.plan, parts[static_cast<std::size_t>(link.rank())],
            job.options));
      });
    });
    Bytes msg;
    msg.u64(static_cast<uint64_t>(st.code)).str(st.message);
    std::string out = msg.take();
    if (st.code == 0) out += result;
    link.send(0, kResult, std::move(out));
    std::tie(tag, bytes) = link.receive(0, {kFinal});
  }
  const int code = DecodeCode(bytes);
  link.close_worker();
  return {code, ""};
}

// ---- rank 0 ------------------------------------------------------------------------

Outcome Finish(Link& link, Status st) {
  link.close_root(st.code);
  return {st.code, st.message};
}

Outcome RunRoot(Link& link, const std::function<Job()>& setup,
                const std::function<int(const verify::CheckRun&)>& report, const Fault& fault) {
  const auto start = Clock::now();
  Job job;
  Status st = Guard([&] { job = link.serve_while(setup); });
  const bool distributed = st.code == 0 && job.plan.has_value();
  const uint64_t fingerprint = distributed ? verify::plan_fingerprint(*job.plan) : 0;
  // Every rank's setup: rank 0's own error first, then the lowest rank's.
  std::vector<std::string> hosts(static_cast<std::size_t>(link.size()));
  hosts[0] = link.host();
  for (int k = 1; k < link.size(); ++k) {
    const auto [tag, bytes] = link.receive(k, {kPlan});
    Parse p(bytes, k);
    const int code = static_cast<int>(p.u64());
    const std::string message = p.str();
    const bool their_distributed = p.u64() == 1;
    const uint64_t their_fingerprint = p.u64();
    hosts[static_cast<std::size_t>(k)] = p.str();
    const std::string where = Where(k, hosts[static_cast<std::size_t>(k)]);
    if (st.code != 0) continue;
    if (code != 0) {
      st = {code, message + " (" + where + "; rank 0 set up without error)"};
    } else if (their_distributed != distributed || their_fingerprint != fingerprint) {
      st = {2, where + " planned another check than rank 0 (different files, headers or "
                       "arguments on its host?): every rank must see the same checkpoint"};
    }
  }
  link.name_peers(hosts);
  if (st.code != 0) return Finish(link, st);
  if (!distributed) {
    // One tensor or --print-rules: rank 0's work alone.
    int code = 0;
    st = Guard([&] { code = link.serve_while(job.alone); });
    if (st.code == 0) st.code = code;
    return Finish(link, st);
  }
  for (int k = 1; k < link.size(); ++k) link.send(k, kGo, {});
  // Rank 0's share, while the others' results arrive.
  const auto parts = verify::assign_by_size(*job.plan, link.size());
  std::vector<verify::PlannedCheck> all;
  st = Guard([&] {
    all = link.serve_while([&] {
      Inject(fault, 0, link.timeout());
      return verify::check_planned(*job.checkpoint, *job.plan, parts[0], job.options);
    });
  });
  for (int k = 1; k < link.size(); ++k) {
    const auto [tag, bytes] = link.receive(k, {kResult});
    Parse p(bytes, k);
    const int code = static_cast<int>(p.u64());
    const std::string message = p.str();
    if (st.code != 0) continue;
    if (code != 0) {
      st = {code, message + " (" + Where(k, hosts[static_cast<std::size_t>(k)]) + ")"};
      continue;
    }
    st = Guard([&] {
      const std::size_t header = 2 * sizeof(uint64_t) + message.size();
      std::vector<verify::PlannedCheck> theirs =
          verify::decode_outcomes(std::string_view(bytes).substr(header));
      for (verify::PlannedCheck& c : theirs) all.push_back(std::move(c));
    });
  }
  if (st.code != 0) return Finish(link, st);
  // Decide (Holm over everything; the first unreadable tensor in file
  // order is the error) and print, as one process does.
  int code = 0;
  st = Guard([&] {
    code = link.serve_while([&] {
      verify::CheckRun run =
          verify::finish_planned(std::move(*job.plan), std::move(all), job.options);
      run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      return report(run);
    });
  });
  if (st.code == 0) st.code = code;
  return Finish(link, st);
}

}  // namespace

Fault parse_fault(const std::string& text) {
  Fault f;
  if (text.empty()) return f;
  const std::size_t at = text.find('@');
  const std::string kind = text.substr(0, at);
  if (kind == "crash") {
    f.kind = Fault::Kind::kCrash;
  } else if (kind == "freeze") {
    f.kind = Fault::Kind::kFreeze;
  } else if (kind == "slow") {
    f.kind = Fault::Kind::kSlow;
  } else {
    throw Error("--mpi-test-fault: unknown kind '" + kind + "'; valid: crash, freeze, slow");
  }
  try {
    std::size_t used = 0;
    const std::string r = at == std::string::npos ? "" : text.substr(at + 1);
    f.rank = std::stoi(r, &used);
    if (used != r.size() || f.rank < 0) throw Error("");
  } catch (const std::exception&) {
    throw Error("--mpi-test-fault: write KIND@RANK, e.g. crash@1; got '" + text + "'");
  }
  return f;
}

Outcome run_check(Link& link, const std::function<Job()>& setup,
                  const std::function<int(const verify::CheckRun&)>& report, const Fault& fault) {
  return link.rank() == 0 ? RunRoot(link, setup, report, fault)
                          : RunWorker(link, setup, fault);
}

}  // namespace initcheck::mpi
