// A reader-only probe for the resource tests: opens a checkpoint
// (initcheck::Checkpoint), reads every entry one at a time the way the
// checking engine does, and touches every byte, so that the peak resident set
// of this process is the readers' cost alone (no battery). Prints the number
// of entries and bytes read.
//   initcheck_checkpoint_probe FILE
#include <cstdio>
#include <exception>

#include "initcheck/checkpoint.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: initcheck_checkpoint_probe FILE\n");
    return 2;
  }
  try {
    const auto ck = initcheck::Checkpoint::open(argv[1]);
    unsigned long long bytes = 0, sum = 0;
    for (std::size_t i = 0; i < ck->entries().size(); ++i) {
      if (ck->entries()[i].kind == initcheck::ElementKind::kUnsupported) continue;
      const initcheck::TensorData d = ck->read(i);
      const unsigned char* p = reinterpret_cast<const unsigned char*>(d.data());
      for (std::size_t k = 0; k < d.nbytes(); ++k) sum += p[k];
      bytes += d.nbytes();
    }
    std::printf("%zu entries, %llu bytes, checksum %llu\n", ck->entries().size(), bytes, sum);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "initcheck_checkpoint_probe: %s\n", e.what());
    return 2;
  }
  return 0;
}
