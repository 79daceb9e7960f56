// Fuzz target: the Hugging Face sharded-checkpoint index
// (parse_safetensors_index, read by Checkpoint::open for *.index.json).
//
// Invariants checked for every input:
//   - only initcheck::Error escapes, with a one-line message;
//   - an accepted index maps at least one tensor; tensor names are unique;
//     every shard is a plain file name (no '/', '\\', not "." or "..")
//     ending in ".safetensors"; `shards` is the sorted, distinct set of the
//     map's values;
//   - parsing is a pure function of the text (twice, the same result).
#include <algorithm>
#include <set>
#include <string>

#include "fuzz_util.h"
#include "initcheck/checkpoint.h"
#include "initcheck/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = initcheck::fuzz::AsText(data, size);
  initcheck::SafetensorsIndex idx;
  try {
    idx = initcheck::parse_safetensors_index(text, "fuzz.index.json");
  } catch (const initcheck::Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    std::string again;
    try {
      (void)initcheck::parse_safetensors_index(text, "fuzz.index.json");
    } catch (const initcheck::Error& e2) {
      again = e2.what();
    }
    INITCHECK_FUZZ_CHECK(again == e.what(), "not deterministic: " + again);
    return 0;
  }
  INITCHECK_FUZZ_CHECK(!idx.weight_map.empty(), "accepted an empty weight_map");
  std::set<std::string> names, shards;
  for (const auto& [name, shard] : idx.weight_map) {
    INITCHECK_FUZZ_CHECK(names.insert(name).second, "duplicate tensor " + name);
    INITCHECK_FUZZ_CHECK(!shard.empty() && shard != "." && shard != ".." &&
                             shard.find('/') == std::string::npos &&
                             shard.find('\\') == std::string::npos,
                         "shard not a file name: " + shard);
    INITCHECK_FUZZ_CHECK(shard.size() > 12 && shard.ends_with(".safetensors"),
                         "shard not .safetensors: " + shard);
    shards.insert(shard);
  }
  INITCHECK_FUZZ_CHECK(std::vector<std::string>(shards.begin(), shards.end()) == idx.shards,
                       "shards differ from the map's values");
  const initcheck::SafetensorsIndex again =
      initcheck::parse_safetensors_index(text, "fuzz.index.json");
  INITCHECK_FUZZ_CHECK(again.weight_map == idx.weight_map, "not deterministic");
  return 0;
}
