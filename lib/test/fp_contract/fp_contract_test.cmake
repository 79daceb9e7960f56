# ctest lib.fp_contract.<compiler>: the contraction guard of
# initcheck/random.h holds whatever flags the includer uses. Compiles
# probe.cc with CXX at -ffp-contract=off, on and fast, with FMA enabled
# (-mavx2 -mfma on x86), and on x86 once more without FMA (the stream's
# fused operations then call libm's fma), runs each and requires the same
# output (a hash of the transforms' bits); then requires -ffast-math to be
# refused with the header's message. Prints FP_CONTRACT_SKIP (a skip) when
# the CPU has no FMA.
# Args: -DCXX= -DINCLUDE_DIR= -DSOURCE= -DWORK_DIR= -DX86=ON|OFF
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(arch_flags "")
if(X86)
  set(arch_flags -mavx2 -mfma)
endif()
set(reference "")
set(modes off on fast)
if(X86)
  list(APPEND modes libm)
endif()
foreach(mode IN LISTS modes)
  set(exe "${WORK_DIR}/probe_${mode}")
  if(mode STREQUAL "libm")
    set(flags -ffp-contract=fast)  # no FMA instructions to contract into
  else()
    set(flags ${arch_flags} -ffp-contract=${mode})
  endif()
  execute_process(
    COMMAND "${CXX}" -std=c++20 -O2 ${flags}
            -I${INCLUDE_DIR} "${SOURCE}" -o "${exe}"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CXX} -ffp-contract=${mode}: probe does not compile:\n${err}")
  endif()
  execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(rc EQUAL 77)
    message(STATUS "${out}")
    return()
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "probe (-ffp-contract=${mode}) exited with ${rc}")
  endif()
  string(STRIP "${out}" out)
  string(REPLACE ";" " " flags_text "${flags}")
  message(STATUS "${CXX} ${flags_text}: ${out}")
  if(mode STREQUAL "off")
    set(reference "${out}")
  elseif(NOT out STREQUAL reference)
    message(FATAL_ERROR "mode ${mode} changes the bits of random.h's "
      "transforms: ${out}, want ${reference} (as with -ffp-contract=off)")
  endif()
endforeach()
execute_process(
  COMMAND "${CXX}" -std=c++20 -O2 -ffast-math -I${INCLUDE_DIR} "${SOURCE}"
          -o "${WORK_DIR}/probe_fast_math"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "-ffast-math changes initcheck's values")
  message(FATAL_ERROR "-ffast-math must be refused by random.h's #error (rc ${rc}):\n${err}")
endif()
message(STATUS "-ffast-math refused, as it must be")
