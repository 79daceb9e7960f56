#!/usr/bin/env bash
# A Llama-shaped sharded checkpoint made by `initcheck fill`, for measuring
# initcheck-mpi (README "Checking at scale"): LAYERS decoder layers of
# hidden size HIDDEN, MLP size INTER, vocabulary VOCAB, bf16, initialized as
# transformers' _init_weights does (Linear and Embedding N(0, 0.02^2),
# RMSNorm weights 1), one shard per tensor, with its
# model.safetensors.index.json. The defaults make 1.2e8 values (240 MB).
#   verify/mpi/tools/make_llama_like.sh BUILD/bin/initcheck OUT_DIR [LAYERS HIDDEN INTER VOCAB]
# Check it with: initcheck check OUT_DIR/model.safetensors.index.json --preset hf
set -euo pipefail
cli=$1 out=$2
layers=${3:-2} hidden=${4:-2048} inter=${5:-5632} vocab=${6:-4096}
mkdir -p "$out"
map=""
n=0
add() {  # add NAME SCHEME SHAPE
  n=$((n + 1))
  local shard
  shard=$(printf 'model-%05d.safetensors' "$n")
  "$cli" fill "$2" --shape "$3" --dtype bf16 --seed 70 --stream "$n" --name "$1" -q \
    -o "$out/$shard"
  map+="${map:+, }\"$1\": \"$shard\""
}
add model.embed_tokens.weight "normal(std=0.02)" "$vocab,$hidden"
for ((l = 0; l < layers; ++l)); do
  p=model.layers.$l
  for m in q k v o; do add "$p.self_attn.${m}_proj.weight" "normal(std=0.02)" "$hidden,$hidden"; done
  add "$p.mlp.gate_proj.weight" "normal(std=0.02)" "$inter,$hidden"
  add "$p.mlp.up_proj.weight" "normal(std=0.02)" "$inter,$hidden"
  add "$p.mlp.down_proj.weight" "normal(std=0.02)" "$hidden,$inter"
  add "$p.input_layernorm.weight" ones "$hidden"
  add "$p.post_attention_layernorm.weight" ones "$hidden"
done
add model.norm.weight ones "$hidden"
add lm_head.weight "normal(std=0.02)" "$vocab,$hidden"
printf '{"metadata": {}, "weight_map": {%s}}\n' "$map" > "$out/model.safetensors.index.json"
echo "$n tensors in $out"
