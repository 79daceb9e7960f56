# ctest driver for initcheck-mpi (label "mpi"): one SCENARIO per test, each
# comparing `mpirun -np N initcheck-mpi check ...` with the single-process
# `initcheck check ...` on the same inputs.
#
#   cmake -DSCENARIO=name -DCLI=initcheck -DMPI_CLI=initcheck-mpi -DMPIEXEC=mpirun
#         -DDATA=verify/test/data -DWORK=dir -P mpi_test.cmake
#
# Scenarios:
#   identical_<case>  the same stdout byte for byte (JSON, text, markdown;
#                     JUnit without its measured time attributes) and the
#                     same exit code for N = 1, 2, 3 (case: hf_strict,
#                     rules_fail, npz, scheme, print_rules)
#   unreadable_shard  a truncated shard: exit 2, nothing on stdout, no -o
#                     file, the single-process error line on rank 0's stderr
#   shard_unreadable_on_one_host  ranks 1-2 run in a directory where the
#                     shard is truncated, rank 0 where it is not (mpirun's
#                     MPMD --wdir): exit 2, one line naming the file and the
#                     rank
#   read_error_on_rank1  a tensor refused when read (--max-elements) on
#                     rank 1 and others on ranks 0 and 2: exit 2, the
#                     single-process line (the first in file order)
#   crash             rank 1 killed (SIGKILL) at the start of its share:
#                     a non-zero exit within seconds, nothing on stdout
#   crash_lenient_launcher  the same under mpirun told not to end the job on
#                     a failed process (orte_abort_on_non_zero_status 0):
#                     rank 0's deadline ends it (exit != 0, one line)
#   freeze, freeze_root  rank 1 / rank 0 stopped (SIGSTOP): exit 3 after
#                     --mpi-timeout, the line naming the silent rank
#   slow_rank         a rank whose share takes 2.5 x --mpi-timeout but keeps
#                     answering: not aborted, the same JSON
#   usage             a bad option value: exit 2, the CLI's line
# Every mpirun gets a TIMEOUT: a hang fails the test instead of blocking it.
cmake_minimum_required(VERSION 3.21)
foreach(v SCENARIO CLI MPI_CLI MPIEXEC DATA WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "mpi_test.cmake: -D${v}=... missing")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# The flags are Open MPI's (-q: no banners of its own on stderr;
# --oversubscribe: 3 ranks on 2 cores; --allow-run-as-root: CI runs as root).
execute_process(COMMAND "${MPIEXEC}" --version OUTPUT_VARIABLE version ERROR_VARIABLE version)
if(NOT version MATCHES "Open MPI|OpenRTE")
  message("SKIP: these tests drive Open MPI's mpirun; ${MPIEXEC} --version says: ${version}")
  return()
endif()
set(MPIRUN "${MPIEXEC}" -q --oversubscribe --allow-run-as-root)

set(SHARDED "${DATA}/torch/sharded/model.safetensors.index.json")

# run(<out-prefix> <timeout> <command...>): sets <prefix>_rc, _out, _err.
function(run prefix timeout)
  execute_process(COMMAND ${ARGN}
    WORKING_DIRECTORY "${WORK}" TIMEOUT ${timeout}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${prefix}_rc "${rc}" PARENT_SCOPE)
  set(${prefix}_out "${out}" PARENT_SCOPE)
  set(${prefix}_err "${err}" PARENT_SCOPE)
endfunction()

function(fail what)
  message(FATAL_ERROR "${SCENARIO}: ${what}")
endfunction()

# The JUnit report without its measured times.
function(strip_times var)
  string(REGEX REPLACE " time=\"[0-9.]+\"" " time=\"T\"" s "${${var}}")
  set(${var} "${s}" PARENT_SCOPE)
endfunction()

# identical(<format> <ranks...> -- <check args...>): the single-process run
# and initcheck-mpi on each number of ranks print the same and exit alike.
function(identical format)
  set(ranks "")
  set(args "")
  set(in_args OFF)
  foreach(a IN LISTS ARGN)
    if(a STREQUAL "--")
      set(in_args ON)
    elseif(in_args)
      list(APPEND args "${a}")
    else()
      list(APPEND ranks "${a}")
    endif()
  endforeach()
  run(one 120 "${CLI}" check ${args} --format ${format} -q)
  if(NOT one_rc MATCHES "^[01]$")
    fail("initcheck check ${args}: exit ${one_rc}\n${one_err}")
  endif()
  string(LENGTH "${one_out}" bytes)
  if(bytes LESS 100)
    fail("initcheck check ${args} printed only ${bytes} bytes")
  endif()
  foreach(n IN LISTS ranks)
    run(many 120 ${MPIRUN} -np ${n} "${MPI_CLI}" check ${args} --format ${format} -q)
    if(NOT many_rc STREQUAL one_rc)
      fail("${n} ranks: exit ${many_rc}, one process ${one_rc}\n${many_err}")
    endif()
    set(a "${one_out}")
    set(b "${many_out}")
    if(format STREQUAL "junit")
      strip_times(a)
      strip_times(b)
    endif()
    if(NOT a STREQUAL b)
      file(WRITE "${WORK}/one.${format}" "${one_out}")
      file(WRITE "${WORK}/np${n}.${format}" "${many_out}")
      fail("--format ${format}: ${n} ranks print other bytes than one process "
           "(${WORK}/one.${format} vs np${n}.${format})")
    endif()
    if(NOT many_err STREQUAL one_err)
      fail("${n} ranks: stderr differs:\n${many_err}\nvs one process:\n${one_err}")
    endif()
  endforeach()
  message(STATUS "--format ${format}: ${ranks} ranks byte-identical to one process "
                 "(${bytes} bytes, exit ${one_rc})")
endfunction()

# expect_one_line(<prefix> <regex>): exactly one line on stderr, matching.
function(expect_one_line prefix regex)
  set(err "${${prefix}_err}")
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1 OR NOT err MATCHES "${regex}")
    fail("stderr is not one line matching ${regex}:\n${err}")
  endif()
  if(NOT "${${prefix}_out}" STREQUAL "")
    fail("stdout is not empty:\n${${prefix}_out}")
  endif()
endfunction()

# A sharded checkpoint made by `initcheck fill`: tensors a [100, 100],
# b [100, 100], c [200, 100], one shard each, in that file order.
function(make_abc dir)
  file(MAKE_DIRECTORY "${dir}")
  set(map "")
  set(i 1)
  foreach(spec "a|100,100" "b|100,100" "c|200,100")
    string(REPLACE "|" ";" s "${spec}")
    list(GET s 0 name)
    list(GET s 1 shape)
    run(fill 60 "${CLI}" fill "normal(std=0.02)" --shape ${shape} --seed 17 --stream ${i}
      --name ${name} -q -o "${dir}/s${i}.safetensors")
    if(NOT fill_rc EQUAL 0)
      fail("fill: ${fill_err}")
    endif()
    string(APPEND map "${sep}\"${name}\": \"s${i}.safetensors\"")
    set(sep ", ")
    math(EXPR i "${i} + 1")
  endforeach()
  file(WRITE "${dir}/model.safetensors.index.json" "{\"metadata\": {}, \"weight_map\": {${map}}}\n")
endfunction()

# A copy of the sharded fixture with its second shard 100 bytes short.
function(make_truncated dir)
  file(MAKE_DIRECTORY "${dir}")
  file(GLOB files "${DATA}/torch/sharded/*")
  file(COPY ${files} DESTINATION "${dir}")
  set(shard "${DATA}/torch/sharded/model-00002-of-00003.safetensors")
  file(SIZE "${shard}" size)
  math(EXPR size "${size} - 100")
  execute_process(COMMAND head -c ${size} "${shard}"
    OUTPUT_FILE "${dir}/model-00002-of-00003.safetensors" RESULT_VARIABLE rc)
  if(rc)
    fail("could not write the truncated shard")
  endif()
endfunction()

set(HF_RULES --preset hf --rules "${CMAKE_CURRENT_LIST_DIR}/bert_rules.toml"
  --rule "embeddings.token_type_embeddings.weight=normal(std=0.02)")

if(SCENARIO STREQUAL "identical_hf_strict")
  # A sharded checkpoint with a rule file, a --rule and a preset, strict:
  # every tensor conforms (exit 0).
  identical(json 1 2 3 -- "${SHARDED}" ${HF_RULES} --strict)
  identical(text 3 -- "${SHARDED}" ${HF_RULES} --strict)
  identical(markdown 2 -- "${SHARDED}" ${HF_RULES} --strict)
  identical(junit 3 -- "${SHARDED}" ${HF_RULES} --strict)
elseif(SCENARIO STREQUAL "identical_rules_fail")
  # Rules that are wrong for some tensors: failures, diagnoses and Holm's
  # adjusted p-values over every tensor (exit 1).
  identical(json 1 2 3 -- "${SHARDED}" --rule "*.LayerNorm.bias=normal(std=0.02)"
    --rule "*.dense.weight=normal(std=0.03)" --preset hf --alpha 0.001)
  identical(text 2 -- "${SHARDED}" --rule "*.LayerNorm.bias=normal(std=0.02)"
    --rule "*.dense.weight=normal(std=0.03)" --preset hf --alpha 0.001)
elseif(SCENARIO STREQUAL "identical_npz")
  # An .npz of every torch.nn module kind under the pytorch preset (integer
  # tensors, ambiguous ones, strict issues).
  identical(json 3 -- "${DATA}/torch/default_modules_compressed.npz" --preset pytorch --strict)
elseif(SCENARIO STREQUAL "identical_scheme")
  # One SCHEME for one tensor (rank 0's work) and --print-rules.
  identical(json 2 -- "${DATA}/torch/bugs.safetensors" "normal(std=0.02)"
    --tensor std_x10.weight)
  identical(text 2 -- "${SHARDED}" --preset hf --print-rules)
elseif(SCENARIO STREQUAL "unreadable_shard")
  make_truncated("${WORK}/bad")
  set(args check "${WORK}/bad/model.safetensors.index.json" --preset hf --format json -q
    -o "${WORK}/report.json")
  run(one 60 "${CLI}" ${args})
  run(many 60 ${MPIRUN} -np 3 "${MPI_CLI}" ${args})
  if(NOT one_rc EQUAL 2 OR NOT many_rc EQUAL 2)
    fail("exit ${many_rc} (one process: ${one_rc}), expected 2\n${many_err}")
  endif()
  expect_one_line(many "^initcheck: error: .*model-00002-of-00003\\.safetensors: .*data section")
  if(NOT many_err STREQUAL one_err)
    fail("rank 0 printed\n${many_err}one process printed\n${one_err}")
  endif()
  if(EXISTS "${WORK}/report.json")
    fail("an output file was written")
  endif()
elseif(SCENARIO STREQUAL "shard_unreadable_on_one_host")
  make_truncated("${WORK}/bad")
  file(MAKE_DIRECTORY "${WORK}/good")
  file(GLOB files "${DATA}/torch/sharded/*")
  file(COPY ${files} DESTINATION "${WORK}/good")
  set(args check model.safetensors.index.json --preset hf --format json -q)
  run(many 60 ${MPIRUN} -np 1 --wdir "${WORK}/good" "${MPI_CLI}" ${args}
    : -np 2 --wdir "${WORK}/bad" "${MPI_CLI}" ${args})
  if(NOT many_rc EQUAL 2)
    fail("exit ${many_rc}, expected 2\n${many_err}")
  endif()
  expect_one_line(many "^initcheck: error: model\\.safetensors\\.index\\.json: shard 'model-00002-of-00003\\.safetensors': model-00002-of-00003\\.safetensors: .* \\(rank 1 on host [^ ]+; rank 0 set up without error\\)\n$")
elseif(SCENARIO STREQUAL "read_error_on_rank1")
  # Longest first: c -> rank 0, a -> rank 1, b -> rank 2. All three exceed
  # --max-elements 5000, refused when read; the first in file order, a, is
  # rank 1's.
  make_abc("${WORK}/abc")
  set(args check "${WORK}/abc/model.safetensors.index.json" --rule "*=normal(std=0.02)" -q
    --max-elements 5000)
  run(one 60 "${CLI}" ${args})
  foreach(n 1 3)
    run(many 60 ${MPIRUN} -np ${n} "${MPI_CLI}" ${args})
    if(NOT one_rc EQUAL 2 OR NOT many_rc EQUAL 2)
      fail("${n} ranks: exit ${many_rc} (one process: ${one_rc}), expected 2\n${many_err}")
    endif()
    expect_one_line(many "^initcheck: error: .*/s1\\.safetensors: tensor 'a': shape \\[100, 100\\] has 10000 elements, more than the limit of 5000")
    if(NOT many_err STREQUAL one_err)
      fail("${n} ranks: rank 0 printed\n${many_err}one process printed\n${one_err}")
    endif()
  endforeach()
  # Without the limit the same checkpoint passes on 3 ranks.
  run(ok 60 ${MPIRUN} -np 3 "${MPI_CLI}" check "${WORK}/abc/model.safetensors.index.json"
    --rule "*=normal(std=0.02)" -q --format json)
  if(NOT ok_rc EQUAL 0)
    fail("without --max-elements: exit ${ok_rc}\n${ok_err}")
  endif()
elseif(SCENARIO MATCHES "^crash")
  set(extra "")
  if(SCENARIO STREQUAL "crash_lenient_launcher")
    set(extra --mca orte_abort_on_non_zero_status 0)
  endif()
  string(TIMESTAMP t0 "%s")
  run(many 60 ${MPIRUN} ${extra} -np 3 "${MPI_CLI}" check "${SHARDED}" --preset hf -q
    --format json --mpi-timeout 2 --mpi-test-fault crash@1)
  string(TIMESTAMP t1 "%s")
  math(EXPR took "${t1} - ${t0}")
  if(many_rc EQUAL 0 OR NOT many_rc MATCHES "^[0-9]+$")
    fail("exit '${many_rc}' after rank 1 was killed, expected a non-zero exit code\n${many_err}")
  endif()
  if(NOT "${many_out}" STREQUAL "")
    fail("stdout is not empty")
  endif()
  if(SCENARIO STREQUAL "crash_lenient_launcher")
    expect_one_line(many "^initcheck: error: rank 1 \\(host [^ ]+\\) has sent nothing for [0-9]+ s \\(--mpi-timeout 2\\)")
  endif()
  message(STATUS "rank 1 killed: exit ${many_rc} after ${took} s")
elseif(SCENARIO MATCHES "^freeze")
  if(SCENARIO STREQUAL "freeze_root")
    set(rank 0)
    set(regex "^initcheck: error: rank 0 has sent nothing for [0-9]+ s \\(--mpi-timeout 2\\): it crashed, froze or lost its node. aborting the job\n")
  else()
    set(rank 1)
    set(regex "^initcheck: error: rank 1 \\(host [^ ]+\\) has sent nothing for [0-9]+ s \\(--mpi-timeout 2\\): it crashed, froze or lost its node. aborting the job\n$")
  endif()
  run(many 60 ${MPIRUN} -np 3 "${MPI_CLI}" check "${SHARDED}" --preset hf -q
    --format json --mpi-timeout 2 --mpi-test-fault freeze@${rank})
  if(NOT many_rc EQUAL 3)
    fail("exit '${many_rc}' after rank ${rank} froze, expected 3\n${many_err}")
  endif()
  if(NOT many_err MATCHES "${regex}")
    fail("stderr does not match ${regex}:\n${many_err}")
  endif()
  if(NOT "${many_out}" STREQUAL "")
    fail("stdout is not empty")
  endif()
elseif(SCENARIO STREQUAL "slow_rank")
  run(one 60 "${CLI}" check "${SHARDED}" --preset hf -q --format json)
  foreach(rank 0 1)
    run(many 60 ${MPIRUN} -np 2 "${MPI_CLI}" check "${SHARDED}" --preset hf -q --format json
      --mpi-timeout 2 --mpi-test-fault slow@${rank})
    if(NOT many_rc EQUAL 0 OR NOT many_out STREQUAL one_out)
      fail("rank ${rank} slow (5 s, --mpi-timeout 2): exit ${many_rc} or other JSON "
           "than one process\n${many_err}")
    endif()
  endforeach()
elseif(SCENARIO STREQUAL "usage")
  foreach(bad "--preset;torch" "--alpha;1.5" "--mpi-test-fault;melt@1")
    run(one 60 "${CLI}" check "${SHARDED}" ${bad})
    run(many 60 ${MPIRUN} -np 2 "${MPI_CLI}" check "${SHARDED}" ${bad})
    if(NOT many_rc EQUAL 2)
      fail("${bad}: exit ${many_rc}, expected 2\n${many_err}")
    endif()
    expect_one_line(many "^initcheck: error: ")
    if(NOT bad MATCHES "mpi-test" AND NOT many_err STREQUAL one_err)
      fail("${bad}: rank 0 printed\n${many_err}one process printed\n${one_err}")
    endif()
  endforeach()
else()
  fail("unknown scenario")
endif()
