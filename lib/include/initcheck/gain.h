// File: initcheck/gain.h
//
// calculate_gain(nonlinearity, param), as torch.nn.init.calculate_gain:
//   linear, conv1d, conv2d, conv3d, conv_transpose1d/2d/3d, sigmoid   1
//   tanh                                                             5/3
//   relu                                                             sqrt(2)
//   leaky_relu (param = negative slope, default 0.01)   sqrt(2 / (1 + slope^2))
//   selu                                                             3/4
// Unknown names throw Error listing the valid ones. The SELU value 3/4 is
// PyTorch's ("found empirically"); self-normalizing networks want
// nonlinearity='linear' (variance 1/fan_in), see PyTorch issue #54055.
#ifndef INITCHECK_GAIN_H_
#define INITCHECK_GAIN_H_

#include <optional>
#include <string_view>
#include <vector>

#include "initcheck/scheme.h"  // nonlinearity_names()

namespace initcheck {

double calculate_gain(std::string_view nonlinearity,
                      std::optional<double> param = std::nullopt);

}  // namespace initcheck

#endif  // INITCHECK_GAIN_H_
