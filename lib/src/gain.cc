// calculate_gain, as torch.nn.init.calculate_gain (see initcheck/gain.h).
#include "initcheck/gain.h"

#include <cmath>
#include <string>

#include "initcheck/error.h"
#include "initcheck/scheme.h"

namespace initcheck {

double calculate_gain(std::string_view nonlinearity,
                      std::optional<double> param) {
  if (param && !std::isfinite(*param)) {
    throw Error("calculate_gain: param must be finite, got " +
                format_number(*param));
  }
  for (std::string_view unit : {"linear", "conv1d", "conv2d", "conv3d",
                                "conv_transpose1d", "conv_transpose2d",
                                "conv_transpose3d", "sigmoid"}) {
    if (nonlinearity == unit) return 1.0;
  }
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  std::string valid;
  for (auto n : nonlinearity_names()) valid += (valid.empty() ? "" : ", ") + std::string(n);
  throw Error("unknown nonlinearity '" + std::string(nonlinearity) +
              "'; valid: " + valid);
}

}  // namespace initcheck
