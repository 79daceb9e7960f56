// A Checkpoint of headers only (no data) for the rule fuzz targets: a small
// model's names and shapes, as plan_checks sees them.
#ifndef INITCHECK_VERIFY_TEST_FUZZ_FAKE_CHECKPOINT_H_
#define INITCHECK_VERIFY_TEST_FUZZ_FAKE_CHECKPOINT_H_

#include <string>
#include <utility>
#include <vector>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"

namespace initcheck::fuzz {

class FakeCheckpoint final : public Checkpoint {
 public:
  FakeCheckpoint() : Checkpoint("fake.safetensors") {
    Add("linear.weight", {48, 64});
    Add("linear.bias", {48});
    Add("conv.weight", {8, 4, 3, 3});
    Add("conv.bias", {8});
    Add("conv1d.weight", {8, 4, 5});
    Add("conv1d.bias", {8});
    Add("emb.weight", {10, 4});
    Add("lstm.weight_ih_l0", {16, 3});
    Add("lstm.weight_hh_l0", {16, 4});
    Add("lstm.bias_ih_l0", {16});
    Add("mha.in_proj_weight", {12, 4});
    Add("mha.out_proj.weight", {4, 4});
    Add("mha.out_proj.bias", {4});
    Add("bn.weight", {4});
    Add("bn.bias", {4});
    Add("bn.running_mean", {4});
    Add("bn.num_batches_tracked", {}, "I64", ElementKind::kSignedInt, 8);
    Add("prelu.weight", {1});
    Add("weight", {3, 3});
    Add("dense/kernel", {4, 8});
    Add("dense/bias", {8});
    Add("lstm/recurrent_kernel", {2, 8});
    Add("lstm/bias", {8});
    Add("mask", {2, 2}, "BOOL", ElementKind::kBool, 1);
    Add("odd [*] name?", {2});
    Add("empty", {0, 3});
    Add("f8", {4}, "F8_E4M3", ElementKind::kUnsupported, 0);
    index_entries();
  }
  std::string_view kind() const override { return "fake"; }
  TensorData read(std::size_t) const override { throw Error("fake checkpoint: no data"); }

 private:
  void Add(std::string name, Shape shape, std::string dtype = "F32",
           ElementKind kind = ElementKind::kFloat, int bytes = 4) {
    CheckpointEntry e;
    e.name = std::move(name);
    e.dtype_name = dtype;
    if (kind == ElementKind::kFloat) e.dtype = DType::kF32;
    e.kind = kind;
    e.element_bytes = bytes;
    e.shape = std::move(shape);
    e.file = "fake.safetensors";
    entries_.push_back(std::move(e));
  }
};

}  // namespace initcheck::fuzz

#endif  // INITCHECK_VERIFY_TEST_FUZZ_FAKE_CHECKPOINT_H_
