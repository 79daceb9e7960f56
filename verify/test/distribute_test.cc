// Work distribution and exact result records (distribute.h), and the
// multi-process protocol simulated in one process: a plan split over
// workers, each part checked alone, its outcomes encoded and decoded, and
// finish_planned over the union gives what check_file gives, byte for byte
// in every output format. (The same over real MPI ranks: verify/mpi/test.)
#include "initcheck/verify/distribute.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/presets.h"
#include "initcheck/verify/rules.h"

namespace initcheck::verify {
namespace {

std::string Data(const std::string& rel) {
  return std::string(INITCHECK_VERIFY_TESTDATA_DIR) + "/" + rel;
}

// A plan of kChecked tensors of the given element counts (shape [n]), with
// the statuses given (default kChecked).
CheckPlan PlanOf(const std::vector<int64_t>& sizes,
                 const std::vector<TensorStatus>& status = {}) {
  CheckPlan p;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    TensorAssignment a;
    a.tensor = "t" + std::to_string(i);
    a.shape = {sizes[i]};
    a.entry = i;
    a.status = i < status.size() ? status[i] : TensorStatus::kChecked;
    p.tensors.push_back(a);
  }
  return p;
}

TEST(AssignBySize, LongestFirstToTheLeastLoadedWorker) {
  // Costs 10, 7, 5, 4, 3, 1 (and a skipped 100) over 3 workers:
  // 10 -> w0; 7 -> w1; 5 -> w2; 4 -> w2 (5 is least); 3 -> w1 (7 < 9);
  // 1 -> w2 (9 < 10 = 10). Loads 10, 10, 10.
  const CheckPlan p = PlanOf({3, 100, 10, 7, 1, 5, 4},
                             {TensorStatus::kChecked, TensorStatus::kSkipped});
  const auto parts = assign_by_size(p, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], (std::vector<std::size_t>{2}));
  EXPECT_EQ(parts[1], (std::vector<std::size_t>{0, 3}));     // file order within a part
  EXPECT_EQ(parts[2], (std::vector<std::size_t>{4, 5, 6}));
}

TEST(AssignBySize, TiesGoInFileOrderToTheLowestWorker) {
  const CheckPlan p = PlanOf({5, 5, 5, 5});
  const auto parts = assign_by_size(p, 2);
  EXPECT_EQ(parts[0], (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(parts[1], (std::vector<std::size_t>{1, 3}));
}

TEST(AssignBySize, MoreWorkersThanTensorsAndOneWorker) {
  const CheckPlan p = PlanOf({8, 9});
  const auto parts = assign_by_size(p, 4);
  EXPECT_EQ(parts[0], (std::vector<std::size_t>{1}));
  EXPECT_EQ(parts[1], (std::vector<std::size_t>{0}));
  EXPECT_TRUE(parts[2].empty());
  EXPECT_TRUE(parts[3].empty());
  EXPECT_EQ(assign_by_size(p, 1)[0], (std::vector<std::size_t>{0, 1}));
  EXPECT_THROW(assign_by_size(p, 0), Error);
}

// Every checked tensor exactly once; the greedy list-scheduling bound
// (makespan <= total / m + largest, Graham 1966) holds, and LPT is never
// worse than the same greedy rule in file order.
TEST(AssignBySize, PartitionAndBoundOnRandomPlans) {
  std::mt19937_64 rng(20261203);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = static_cast<int>(rng() % 60);
    const int m = 1 + static_cast<int>(rng() % 9);
    std::vector<int64_t> sizes;
    std::vector<TensorStatus> status;
    for (int i = 0; i < n; ++i) {
      // Sizes over 6 orders of magnitude, as in a model (biases to embeddings).
      sizes.push_back(static_cast<int64_t>(std::pow(10.0, (rng() % 6000) / 1000.0)));
      status.push_back(rng() % 5 == 0 ? TensorStatus::kSkipped : TensorStatus::kChecked);
    }
    const CheckPlan p = PlanOf(sizes, status);
    const auto parts = assign_by_size(p, m);
    ASSERT_EQ(parts.size(), static_cast<std::size_t>(m));
    std::multiset<std::size_t> seen;
    int64_t total = 0, largest = 0, makespan = 0;
    for (const auto& part : parts) {
      EXPECT_TRUE(std::is_sorted(part.begin(), part.end()));
      int64_t load = 0;
      for (const std::size_t i : part) {
        seen.insert(i);
        load += check_cost(p.tensors[i]);
      }
      makespan = std::max(makespan, load);
    }
    for (const std::size_t i : planned_checks(p)) {
      EXPECT_EQ(seen.count(i), 1u) << "trial " << trial << " tensor " << i;
      total += check_cost(p.tensors[i]);
      largest = std::max(largest, check_cost(p.tensors[i]));
    }
    EXPECT_EQ(seen.size(), planned_checks(p).size());
    EXPECT_LE(makespan, total / m + largest + 1) << "trial " << trial;
    // Greedy in file order, for comparison.
    std::vector<int64_t> load(static_cast<std::size_t>(m), 0);
    for (const std::size_t i : planned_checks(p)) {
      *std::min_element(load.begin(), load.end()) += check_cost(p.tensors[i]);
    }
    EXPECT_LE(makespan, *std::max_element(load.begin(), load.end())) << "trial " << trial;
  }
}

// ---- exact records --------------------------------------------------------------

uint64_t Bits(double x) { return std::bit_cast<uint64_t>(x); }

// Every field, doubles compared by their bits.
void ExpectSameBits(const TensorCheck& a, const TensorCheck& b) {
  EXPECT_EQ(a.tensor, b.tensor);
  EXPECT_EQ(a.scheme, b.scheme);
  EXPECT_EQ(a.geometry.shape, b.geometry.shape);
  EXPECT_EQ(a.geometry.layout, b.geometry.layout);
  EXPECT_EQ(a.geometry.groups, b.geometry.groups);
  EXPECT_EQ(a.geometry.transposed, b.geometry.transposed);
  EXPECT_EQ(a.geometry.fans, b.geometry.fans);
  EXPECT_EQ(a.geometry.in_axis, b.geometry.in_axis);
  EXPECT_EQ(a.geometry.out_axis, b.geometry.out_axis);
  EXPECT_EQ(a.geometry.fan_in, b.geometry.fan_in);
  EXPECT_EQ(a.geometry.fan_out, b.geometry.fan_out);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.stored_dtype, b.stored_dtype);
  EXPECT_EQ(a.source_dtype, b.source_dtype);
  EXPECT_EQ(a.source_note, b.source_note);
  const Target &s = a.target, &t = b.target;
  EXPECT_EQ(s.family, t.family);
  for (auto [x, y] : {std::pair{s.mean, t.mean}, {s.variance, t.variance}, {s.low, t.low},
                      {s.high, t.high}, {s.parent_mean, t.parent_mean},
                      {s.parent_std, t.parent_std}, {s.value, t.value}, {s.gain, t.gain}}) {
    EXPECT_EQ(Bits(x), Bits(y));
  }
  EXPECT_EQ(s.rows, t.rows);
  EXPECT_EQ(s.cols, t.cols);
  EXPECT_EQ(s.groups, t.groups);
  EXPECT_EQ(s.zeros_per_column, t.zeros_per_column);
  ASSERT_EQ(s.fans.has_value(), t.fans.has_value());
  if (s.fans) {
    EXPECT_EQ(s.fans->fan_in, t.fans->fan_in);
    EXPECT_EQ(s.fans->fan_out, t.fans->fan_out);
  }
  EXPECT_EQ(s.derivation, t.derivation);
  EXPECT_EQ(a.sample.n, b.sample.n);
  EXPECT_EQ(a.sample.n_nan, b.sample.n_nan);
  EXPECT_EQ(a.sample.n_inf, b.sample.n_inf);
  for (auto [x, y] : {std::pair{a.sample.mean, b.sample.mean},
                      {a.sample.variance, b.sample.variance}, {a.sample.min, b.sample.min},
                      {a.sample.max, b.sample.max},
                      {a.sample.excess_kurtosis, b.sample.excess_kurtosis}}) {
    EXPECT_EQ(Bits(x), Bits(y));
  }
  ASSERT_EQ(a.tests.size(), b.tests.size());
  for (std::size_t i = 0; i < a.tests.size(); ++i) {
    const TestResult &x = a.tests[i], &y = b.tests[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.n, y.n);
    EXPECT_EQ(Bits(x.statistic), Bits(y.statistic)) << x.name;
    EXPECT_EQ(Bits(x.dof), Bits(y.dof)) << x.name;
    EXPECT_EQ(Bits(x.p_value), Bits(y.p_value)) << x.name;
    EXPECT_EQ(x.reliable, y.reliable);
    EXPECT_EQ(x.note, y.note);
    ASSERT_EQ(x.details.size(), y.details.size());
    for (std::size_t k = 0; k < x.details.size(); ++k) {
      EXPECT_EQ(x.details[k].name, y.details[k].name);
      EXPECT_EQ(Bits(x.details[k].value), Bits(y.details[k].value));
    }
  }
  ASSERT_EQ(a.adjusted_p.size(), b.adjusted_p.size());
  for (std::size_t i = 0; i < a.adjusted_p.size(); ++i) {
    EXPECT_EQ(Bits(a.adjusted_p[i]), Bits(b.adjusted_p[i]));
  }
  EXPECT_EQ(a.rejected, b.rejected);
  EXPECT_EQ(a.pass, b.pass);
  EXPECT_EQ(a.diagnosis, b.diagnosis);
}

// Real runs with failures, exact checks (integer tensors, padding rows),
// ambiguity and strict issues.
std::vector<CheckRun> Runs() {
  std::vector<CheckRun> runs;
  CheckOptions strict;
  strict.strict = true;
  runs.push_back(check_file(Data("torch/sharded/model.safetensors.index.json"),
                            preset_rules("hf"), strict));
  runs.push_back(check_file(Data("torch/bugs.safetensors"),
                            {parse_rule_arg("*=normal(std=0.02)", "--rule 1")}, {}));
  runs.push_back(check_file(Data("torch/default_modules.safetensors"), preset_rules("pytorch"),
                            strict));
  // bf16/f16 tensors: a source grid other than the default f32 (a field the
  // records once dropped: initcheck-mpi printed "source_dtype": "f32" for
  // bf16 tensors checked on rank 1).
  runs.push_back(check_file(Data("torch/explicit_inits.safetensors"),
                            {parse_rule_arg("*=normal(std=0.02)", "--rule 1")}, {}));
  return runs;
}

std::vector<PlannedCheck> OutcomesOf(const CheckRun& run) {
  std::vector<PlannedCheck> out;
  for (std::size_t i = 0; i < run.tensors.size(); ++i) {
    if (!run.tensors[i].check) continue;
    PlannedCheck p;
    p.index = i;
    p.check = run.checks[*run.tensors[i].check];
    p.seconds = run.tensors[i].seconds;
    out.push_back(std::move(p));
  }
  return out;
}

TEST(Outcomes, RoundTripKeepsEveryBitOfRealChecks) {
  std::size_t tests = 0;
  for (const CheckRun& run : Runs()) {
    const std::vector<PlannedCheck> before = OutcomesOf(run);
    ASSERT_FALSE(before.empty()) << run.file;
    const std::vector<PlannedCheck> after = decode_outcomes(encode_outcomes(before));
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(after[i].index, before[i].index);
      EXPECT_EQ(Bits(after[i].seconds), Bits(before[i].seconds));
      EXPECT_EQ(after[i].error, before[i].error);
      ExpectSameBits(after[i].check, before[i].check);
      tests += before[i].check.tests.size();
    }
  }
  EXPECT_GT(tests, 500u);  // the runs above hold hundreds of test results
}

TEST(Outcomes, RoundTripKeepsSpecialDoubles) {
  const std::vector<double> specials = {
      -0.0,
      0.0,
      std::numeric_limits<double>::denorm_min(),
      -std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::min(),
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(),
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::quiet_NaN(),
      std::bit_cast<double>(uint64_t{0x7ff8dead0000beefULL}),  // a NaN with a payload
      std::bit_cast<double>(uint64_t{0xfff0000000000001ULL}),  // a negative signalling NaN
      0.1,
      1.0 / 3.0,
      std::nextafter(1.0, 2.0),
  };
  PlannedCheck p;
  p.index = 7;
  p.error = "";
  p.seconds = specials[10];
  TensorCheck& c = p.check;
  c.tensor = "w\n\"\x01";
  c.scheme = "normal(std=0.02)";
  c.geometry.shape = {3, 0, 5};
  c.geometry.in_axis = -1;
  c.geometry.fan_in = int64_t{1} << 40;
  c.geometry.fan_out = -3;
  c.target.family = Target::Family::kDeltaOrthogonal;
  c.target.fans = OracleFans{4, 5};
  c.target.low = specials[8];
  c.target.high = specials[7];
  c.target.mean = specials[0];
  c.sample.min = specials[11];
  c.sample.excess_kurtosis = specials[3];
  for (std::size_t i = 0; i < specials.size(); ++i) {
    TestResult t;
    t.name = "t" + std::to_string(i);
    t.statistic = specials[i];
    t.dof = specials[(i + 1) % specials.size()];
    t.p_value = specials[(i + 2) % specials.size()];
    t.reliable = i % 2 == 0;
    t.details.push_back({"x", specials[(i + 3) % specials.size()]});
    c.tests.push_back(t);
    c.adjusted_p.push_back(specials[(i + 4) % specials.size()]);
    c.rejected.push_back(i % 3 == 0);
  }
  PlannedCheck failed;
  failed.index = 3;
  failed.error = "a.safetensors: tensor 'x': cannot read";
  const auto after = decode_outcomes(encode_outcomes({p, failed}));
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].index, 7u);
  EXPECT_EQ(Bits(after[0].seconds), Bits(p.seconds));
  ExpectSameBits(after[0].check, p.check);
  EXPECT_EQ(after[1].error, failed.error);
  EXPECT_EQ(decode_outcomes(encode_outcomes({})).size(), 0u);
}

// Every proper prefix, a wrong magic, a wrong byte order and trailing bytes
// are refused with an Error (never misread, never a crash).
TEST(Outcomes, DecodeRefusesDamagedRecords) {
  const CheckRun run = check_file(Data("torch/bugs.safetensors"),
                                  {parse_rule_arg("*=normal(std=0.02)", "--rule 1")}, {});
  std::vector<PlannedCheck> some = OutcomesOf(run);
  some.resize(2);
  const std::string bytes = encode_outcomes(some);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode_outcomes(std::string_view(bytes).substr(0, n)), Error) << n;
  }
  std::string bad = bytes;
  bad[0] = 'X';
  EXPECT_THROW(decode_outcomes(bad), Error);
  bad = bytes;
  std::swap(bad[8], bad[11]);  // the byte-order mark 0x01020304 as another order
  EXPECT_THROW(decode_outcomes(bad), Error);
  EXPECT_THROW(decode_outcomes(bytes + "x"), Error);
  EXPECT_NO_THROW(decode_outcomes(bytes));
}

// ---- the protocol in one process ------------------------------------------------

// check_file == plan; assign_by_size over `workers`; each part checked alone
// and sent as bytes; finish_planned over the union.
CheckRun Split(const std::string& path, const std::vector<Rule>& rules, const CheckOptions& o,
               int workers) {
  const auto ck = Checkpoint::open(path, o.limits);
  CheckPlan plan = plan_checks(*ck, rules, o);
  require_checks(plan, o);
  std::vector<PlannedCheck> all;
  // The last worker first: arrival order must not matter.
  const auto parts = assign_by_size(plan, workers);
  for (std::size_t w = parts.size(); w-- > 0;) {
    for (PlannedCheck& c :
         decode_outcomes(encode_outcomes(check_planned(*ck, plan, parts[w], o)))) {
      all.push_back(std::move(c));
    }
  }
  return finish_planned(std::move(plan), std::move(all), o);
}

TEST(Protocol, SplitRunsPrintWhatCheckFilePrints) {
  struct Case {
    std::string path;
    std::vector<Rule> rules;
    bool strict;
  };
  std::vector<Rule> hf = preset_rules("hf");
  hf.insert(hf.begin(), parse_rule_arg("*.LayerNorm.bias=normal(std=0.02)", "--rule 1"));
  const std::vector<Case> cases = {
      {Data("torch/sharded/model.safetensors.index.json"), preset_rules("hf"), true},
      {Data("torch/sharded/model.safetensors.index.json"), hf, false},
      {Data("torch/bugs.safetensors"), {parse_rule_arg("*=normal(std=0.02)", "--rule 1")}, false},
      {Data("torch/default_modules_compressed.npz"), preset_rules("pytorch"), true},
      {Data("torch/explicit_inits.safetensors"), {parse_rule_arg("*=normal(std=0.02)", "--rule 1")},
       false},
  };
  for (const Case& c : cases) {
    CheckOptions o;
    o.strict = c.strict;
    const CheckRun whole = check_file(c.path, c.rules, o);
    for (const int workers : {1, 2, 3, 7}) {
      const CheckRun split = Split(c.path, c.rules, o, workers);
      EXPECT_EQ(format_json(split), format_json(whole)) << c.path << " " << workers;
      EXPECT_EQ(format_text(split), format_text(whole)) << c.path << " " << workers;
      EXPECT_EQ(format_markdown(split), format_markdown(whole)) << c.path << " " << workers;
      EXPECT_EQ(split.pass(), whole.pass());
    }
  }
}

// A tensor that cannot be read (here: over --max-elements, which is checked
// when the tensor is read, on whichever worker has it): the split run
// throws the message check_file throws -- the first such tensor in file
// order, whichever worker read it.
TEST(Protocol, SplitRunsFailWithCheckFilesFirstError) {
  const std::string path = Data("torch/sharded/model.safetensors.index.json");
  CheckOptions o;
  o.limits.max_elements = 9000;  // several tensors of the BERT are larger
  std::string want;
  try {
    check_file(path, preset_rules("hf"), o);
    FAIL() << "check_file read every tensor under the limit";
  } catch (const Error& e) {
    want = e.what();
  }
  EXPECT_NE(want.find("raise it with --max-elements"), std::string::npos) << want;
  for (const int workers : {1, 2, 3}) {
    try {
      Split(path, preset_rules("hf"), o, workers);
      ADD_FAILURE() << workers << " workers read every tensor";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), want) << workers;
    }
  }
}

TEST(PlanFingerprint, EqualForEqualPlansDifferentOtherwise) {
  const auto ck = Checkpoint::open(Data("torch/sharded/model.safetensors.index.json"));
  const auto other = Checkpoint::open(Data("torch/gpt2_block.safetensors"));
  const uint64_t a = plan_fingerprint(plan_checks(*ck, preset_rules("hf"), {}));
  EXPECT_EQ(a, plan_fingerprint(plan_checks(*ck, preset_rules("hf"), {})));
  PresetOptions po;
  po.init_range = 0.03;
  EXPECT_NE(a, plan_fingerprint(plan_checks(*ck, preset_rules("hf", po), {})));
  EXPECT_NE(a, plan_fingerprint(plan_checks(*other, preset_rules("hf"), {})));
  std::vector<Rule> skip_one = preset_rules("hf");
  skip_one.insert(skip_one.begin(), parse_rule_arg("pooler.dense.bias=skip", "--rule 1"));
  EXPECT_NE(a, plan_fingerprint(plan_checks(*ck, skip_one, {})));
}

}  // namespace
}  // namespace initcheck::verify
