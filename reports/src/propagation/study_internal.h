// Shared helpers of the studies (study.h); not installed.
#ifndef INITCHECK_PROPAGATION_STUDY_INTERNAL_H_
#define INITCHECK_PROPAGATION_STUDY_INTERNAL_H_

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/fill.h"
#include "initcheck/propagation/study.h"

namespace initcheck::propagation::study {

using Json = nlohmann::ordered_json;

// x rounded to 5 significant digits (enough for plots and 3-digit tables,
// and it keeps the committed files small), null if not finite.
Json Num(double x);
Json Nums(const std::vector<double>& v);
template <class T>
Json Ints(const std::vector<T>& v) {
  Json a = Json::array();
  for (T x : v) a.push_back(x);
  return a;
}

// {"schema", "commit"}: the head of every product.
Json Header(std::string_view name, const StudyOptions& o);

// f(i) for i in [0, n), one oneTBB task per index (grain 1, fixed split) in
// an arena of `threads` workers; f writes only its own slot of the result.
template <class F>
void ParallelFor(int n, int threads, F&& f) {
  if (n <= 0) return;
  tbb::task_arena arena(std::max(1, std::min(resolve_threads(threads), n)));
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, n, 1),
        [&](const tbb::blocked_range<int>& r) {
          for (int i = r.begin(); i < r.end(); ++i) f(i);
        },
        tbb::simple_partitioner());
  });
}

// Progress of a study in its own units.
void Progress(const StudyOptions& o, std::string_view name, int64_t done, int64_t total);

Json Grid(const StudyOptions& o);
Json Symmetry(const StudyOptions& o);
Json Saturation(const StudyOptions& o);
Json ReluDeadZone(const StudyOptions& o);
Json Phases(const StudyOptions& o);
Json Training(const StudyOptions& o);
Json Residual(const StudyOptions& o);
Json FiniteWidth(const StudyOptions& o);
Json WidthChecks(const StudyOptions& o);
Json Jacobian(const StudyOptions& o);

}  // namespace initcheck::propagation::study

#endif  // INITCHECK_PROPAGATION_STUDY_INTERNAL_H_
