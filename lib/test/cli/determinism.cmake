# Determinism of the initcheck CLI (a ctest helper; see CMakeLists.txt here):
# the same inputs give the same output files, byte for byte, across two runs
# and across --threads 1, 2 and 3, for
#   fill      .npy and .safetensors, several schemes and dtypes, tensors
#             large enough (>= 2^18 elements) to be split between threads;
#   check     --format json on a multi-tensor checkpoint made by fill-free
#             means (data/checkpoint.safetensors: checked in parallel, one
#             tensor per worker) and on a .npy;
#   propagate --format json;
#   report    --quick --out DIR: every file except benchmarks.md (timings).
#
#   cmake -DCLI=initcheck -DWORK=dir -DDATA=dir -P determinism.cmake
cmake_minimum_required(VERSION 3.21)
foreach(v CLI WORK DATA)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "determinism.cmake: -D${v}=... missing")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# Runs the CLI; `expect` is the allowed exit code (check exits 1 on a FAIL
# verdict, still deterministic).
function(run expect)
  execute_process(COMMAND "${CLI}" ${ARGN}
    WORKING_DIRECTORY "${WORK}" TIMEOUT 600
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT "${rc}" STREQUAL "${expect}")
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "initcheck ${cmd}: exit ${rc}, expected ${expect}\n${out}\n${err}")
  endif()
endfunction()

set(compared 0)
function(same a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${a}" "${b}"
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "not byte-identical: ${a} and ${b}")
  endif()
  math(EXPR n "${compared} + 1")
  set(compared ${n} PARENT_SCOPE)
endfunction()

# <prefix>_t<t><suffix> for t = 2b (a second run), 1 and 3 equal the --threads 2 file.
function(same_across_runs prefix suffix)
  same(${prefix}_t2${suffix} ${prefix}_t2b${suffix})
  same(${prefix}_t1${suffix} ${prefix}_t2${suffix})
  same(${prefix}_t1${suffix} ${prefix}_t3${suffix})
  set(compared ${compared} PARENT_SCOPE)
endfunction()

# ---- fill ---------------------------------------------------------------------
set(fills
  "kaiming_uniform(a=sqrt(5))|256,128,3,3|f32|torch"
  "trunc_normal(std=0.02, a=-0.04, b=0.04)|768,512|f16|torch"
  "he_normal|3,3,128,256|bf16|keras"
  "orthogonal(gain=2)|384,256|f64|torch"
  "sparse(sparsity=0.9)|1024,300|f32|torch"
  "variance_scaling(scale=2, mode=fan_avg, distribution=uniform)|5,5,64,96|f64|jax")
set(i 0)
foreach(spec IN LISTS fills)
  string(REPLACE "|" ";" f "${spec}")
  list(GET f 0 scheme)
  list(GET f 1 shape)
  list(GET f 2 dtype)
  list(GET f 3 layout)
  foreach(ext npy safetensors)
    foreach(t 1 2 3 2b)
      string(REPLACE "b" "" threads "${t}")
      run(0 fill "${scheme}" --shape ${shape} --dtype ${dtype} --layout ${layout}
        --seed 2026 --stream ${i} --threads ${threads} -q -o fill${i}_t${t}.${ext})
    endforeach()
    same_across_runs(${WORK}/fill${i} .${ext})
  endforeach()
  math(EXPR i "${i} + 1")
endforeach()

# ---- check --format json --------------------------------------------------------
set(ckpt "${DATA}/checkpoint.safetensors")
foreach(t 1 2 3 2b)
  string(REPLACE "b" "" threads "${t}")
  run(1 check "${ckpt}" --rule "*.bias=zeros" --rule "conv.weight=kaiming_uniform(a=sqrt(5))"
    --rule "*.weight=normal(std=0.02)" --format json --threads ${threads} -q
    -o check_t${t}.json)
  run(0 check "${WORK}/fill0_t1.npy" "kaiming_uniform(a=sqrt(5))" --format json
    --threads ${threads} -q -o check_npy_t${t}.json)
endforeach()
foreach(base check check_npy)
  same_across_runs(${WORK}/${base} .json)
endforeach()

# ---- whole models: a preset over every module kind, .npz, --print-rules ----------
if(DEFINED MODELS)
  foreach(t 1 2 3 2b)
    string(REPLACE "b" "" threads "${t}")
    run(0 check "${MODELS}/torch/default_modules.safetensors" --preset pytorch
      --rule "linear_nobias.weight=@Linear" --rule "bilinear.*=@Bilinear"
      --rule "conv1d.*=@Conv1d" --rule "embedding*.weight=@Embedding"
      --rule "prelu.weight=@PReLU" --strict --format json --threads ${threads} -q
      -o preset_t${t}.json)
    run(0 check "${MODELS}/torch/default_modules_compressed.npz" --preset pytorch
      --format json --threads ${threads} -q -o npz_t${t}.json)
    run(0 check "${MODELS}/torch/default_modules.safetensors" --preset pytorch
      --print-rules --threads ${threads} -o rules_t${t}.toml)
  endforeach()
  foreach(base preset npz)
    same_across_runs(${WORK}/${base} .json)
  endforeach()
  same_across_runs(${WORK}/rules .toml)
endif()

# ---- propagate --format json ----------------------------------------------------
foreach(t 1 2 3 2b)
  string(REPLACE "b" "" threads "${t}")
  run(0 propagate --weights kaiming_normal --activation relu --depth 12 --width 96
    --batch 48 --seeds 6 --format json --threads ${threads} -q -o propagate_t${t}.json)
  run(0 propagate --weights "orthogonal(gain=1.1)" --activation tanh --depth 8
    --width 64 --batch 32 --seeds 5 --bias-std 0.05 --format json
    --threads ${threads} -q -o propagate2_t${t}.json)
endforeach()
foreach(base propagate propagate2)
  same_across_runs(${WORK}/${base} .json)
endforeach()

# ---- propagate study --quick + report (the renderer) -------------------------------
# The producer with 1, 2, 3 threads (and 2 again), then the renderer on each
# data directory into the same --out (README.md is rendered only for the
# whole set, so --only propagation writes the markdown and its figures).
foreach(t 1 2 3 2b)
  string(REPLACE "b" "" threads "${t}")
  run(0 propagate study --quick --out data_t${t}/propagation --threads ${threads}
      --commit determinism -q)
  run(0 report --data data_t${t} --only propagation --out report -q)
  file(RENAME "${WORK}/report" "${WORK}/report_t${t}")
  # The data products are compared too.
  file(COPY "${WORK}/data_t${t}/propagation" DESTINATION "${WORK}/report_t${t}/data")
endforeach()
file(GLOB_RECURSE files RELATIVE "${WORK}/report_t1" "${WORK}/report_t1/*")
list(LENGTH files nfiles)
if(nfiles LESS 3)
  message(FATAL_ERROR "propagate study + report wrote only ${nfiles} files: ${files}")
endif()
foreach(t 2b 2 3)
  file(GLOB_RECURSE other RELATIVE "${WORK}/report_t${t}" "${WORK}/report_t${t}/*")
  if(NOT other STREQUAL files)
    message(FATAL_ERROR "--threads ${t} wrote other files:\n${other}\nvs\n${files}")
  endif()
endforeach()
foreach(f IN LISTS files)
  set(a ${WORK}/report_t1/${f})
  set(b ${WORK}/report_t2/${f})
  set(c ${WORK}/report_t3/${f})
  set(d ${WORK}/report_t2b/${f})
  same(${b} ${d})
  same(${a} ${b})
  same(${a} ${c})
endforeach()

message(STATUS "determinism: ${compared} file pairs byte-identical (report: ${nfiles} "
               "files)")
