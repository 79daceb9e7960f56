// Fills a Conv2d weight with PyTorch's default init and prints its bound.
#include <initcheck/fill.h>

#include <cmath>
#include <cstdio>

int main() {
  const auto scheme = initcheck::Scheme::parse("kaiming_uniform(a=sqrt(5))");
  initcheck::Geometry g;
  g.shape = {16, 8, 3, 3};
  const initcheck::Tensor w = initcheck::fill(scheme, g, initcheck::DType::kF32, {.seed = 1});
  double max_abs = 0;
  for (int64_t i = 0; i < w.numel(); ++i) max_abs = std::fmax(max_abs, std::fabs(w.get(i)));
  const double bound = 1 / std::sqrt(8.0 * 9);  // 1/sqrt(fan_in)
  std::printf("consumer: %lld values, max |w| = %.6f <= %.6f\n",
              static_cast<long long>(w.numel()), max_abs, bound);
  return max_abs < bound && max_abs > 0.9 * bound ? 0 : 1;
}
