// File: initcheck/fans.h
//
// fan_in and fan_out of a weight tensor: the number of inputs feeding one
// output unit and the number of outputs fed by one input unit, counted as in
//   PyTorch torch.nn.init._calculate_fan_in_and_fan_out and
//   Keras/JAX compute_fans.
//
// Layouts:
//   torch       [out, in, *k]   Linear [out, in]; ConvNd [out, in/groups, *k];
//                               ConvTransposeNd [in, out/groups, *k]
//   keras, jax  [*k, in, out]   Dense (in, out); ConvND (*k, in/groups, out);
//                               ConvNDTranspose (*k, out, in)
// receptive_field = product of the kernel dims *k (1 for a dense layer).
//
// Two conventions, chosen by Geometry::fans:
//   kFramework (default) what the framework computes from the shape alone:
//     torch fan_in = shape[1] rf, fan_out = shape[0] rf; keras/jax fan_in =
//     shape[-2] rf, fan_out = shape[-1] rf. This ignores `groups` (PyTorch
//     issue #23854: a depthwise Conv2d(4, 4, 3, groups=4) gets fans (9, 36))
//     and treats a transposed conv's weight as a regular one (issue #7865).
//     Use it to check what a framework's initializer produced.
//   kLayer  the connections of the layer: fan_in = in/groups rf and fan_out =
//     out/groups rf, with in/out read from the right axes of a transposed
//     conv (depthwise Conv2d(4, 4, 3, groups=4) gets (9, 9)). Stride is not
//     taken into account.
// Explicit in_axis/out_axis (JAX style) give fan_in = shape[in_axis] rf,
// fan_out = shape[out_axis] rf with rf the product of the other dims; explicit
// fan_in/fan_out override everything. Rank < 2 without explicit fans is an
// error (PyTorch and JAX refuse it too).
#ifndef INITCHECK_FANS_H_
#define INITCHECK_FANS_H_

#include <cstdint>

#include "initcheck/geometry.h"

namespace initcheck {

struct Fans {
  int64_t fan_in = 0;
  int64_t fan_out = 0;
  int64_t receptive_field = 1;
};

// Throws Error for rank < 2 without explicit fans, bad axes, groups that do
// not divide the channel dimension, or conflicting options.
Fans compute_fans(const Geometry& g);

}  // namespace initcheck

#endif  // INITCHECK_FANS_H_
