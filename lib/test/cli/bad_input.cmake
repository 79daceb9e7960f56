# One row of the bad-input table: runs the initcheck CLI on a bad input and
# checks the whole error contract (a ctest helper; see CMakeLists.txt here).
#
#   cmake -DCLI=initcheck -DWORK=dir -DDATA=dir -DLIBDATA=dir
#         -DEXPECT_RC=2 -DEXPECT="regex" -DARGS="a|b|c"
#         [-DSETUP=kind:name] [-DNO_FILE=path] -P bad_input.cmake
#
# ARGS holds the CLI's arguments separated by "|"; @WORK@, @DATA@ (this
# directory's data/) and @LIBDATA@ (lib/test/data) are substituted. WORK is
# emptied first. SETUP makes a file system object in WORK before the run:
#   dir:NAME      a directory called NAME
#   fifo:NAME     a named pipe (opening it for reading must not block)
#   mode000:NAME  a valid .npy with permissions 000 (skipped as root, who
#                 reads it anyway: prints "SKIP: ...", which the test's
#                 SKIP_REGULAR_EXPRESSION reports as skipped)
#   badjson:NAME  a truncated JSON text (for the report renderer's inputs)
#   tailstub:NAME valid JSON of schema initcheck.tail_calibration/1 without
#                 the keys the renderer reads
#
# EXPECT_RC=2 (usage or input error): stdout must be empty and stderr
# exactly one line matching EXPECT (anchored: the whole line).
# EXPECT_RC=0 or 1: stdout must match EXPECT and stderr be empty.
# NO_FILE (@WORK@ substituted): a path that must not exist afterwards (the
# -o of fill/check: no output file on error). The CLI runs with a 60 s
# timeout: a hang fails the row.
cmake_minimum_required(VERSION 3.21)
foreach(v CLI WORK DATA LIBDATA EXPECT_RC EXPECT ARGS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "bad_input.cmake: -D${v}=... missing")
  endif()
endforeach()

function(subst out in)
  string(REPLACE "@WORK@" "${WORK}" s "${in}")
  string(REPLACE "@DATA@" "${DATA}" s "${s}")
  string(REPLACE "@LIBDATA@" "${LIBDATA}" s "${s}")
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

if(DEFINED SETUP AND NOT SETUP STREQUAL "")
  string(REGEX MATCH "^([a-z0-9]+):(.+)$" _m "${SETUP}")
  set(_kind "${CMAKE_MATCH_1}")
  set(_path "${WORK}/${CMAKE_MATCH_2}")
  if(_kind STREQUAL "dir")
    file(MAKE_DIRECTORY "${_path}")
  elseif(_kind STREQUAL "fifo")
    execute_process(COMMAND mkfifo "${_path}" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "mkfifo ${_path} failed: ${_rc}")
    endif()
  elseif(_kind STREQUAL "mode000")
    execute_process(COMMAND id -u OUTPUT_VARIABLE _uid OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_uid STREQUAL "0")
      # ctest reports the row as skipped (SKIP_REGULAR_EXPRESSION).
      message(STATUS "SKIP: running as root, who can read a file of mode 000 "
                     "(the dir: row covers an unopenable path)")
      return()
    endif()
    file(COPY_FILE "${LIBDATA}/f4.npy" "${_path}")
    execute_process(COMMAND chmod 000 "${_path}" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "chmod 000 ${_path} failed: ${_rc}")
    endif()
  elseif(_kind STREQUAL "badjson")
    file(WRITE "${_path}" "{\"schema\": ")
  elseif(_kind STREQUAL "tailstub")
    file(WRITE "${_path}" "{\"schema\": \"initcheck.tail_calibration/1\", \"cases\": []}")
  else()
    message(FATAL_ERROR "unknown SETUP '${SETUP}'")
  endif()
endif()

subst(_argstr "${ARGS}")
string(REPLACE "|" ";" _args "${_argstr}")
execute_process(COMMAND "${CLI}" ${_args}
  WORKING_DIRECTORY "${WORK}"
  TIMEOUT 60
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err)

set(_what "initcheck ${_argstr}")
set(_dump "\n--- stdout ---\n${_out}\n--- stderr ---\n${_err}\n---")
if(NOT "${_rc}" STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "${_what}: exit code '${_rc}', expected ${EXPECT_RC}${_dump}")
endif()

if(EXPECT_RC STREQUAL "2")
  if(NOT _out STREQUAL "")
    message(FATAL_ERROR "${_what}: stdout is not empty${_dump}")
  endif()
  # Exactly one line: one newline, at the end.
  string(REGEX MATCHALL "\n" _newlines "${_err}")
  list(LENGTH _newlines _n)
  string(LENGTH "${_err}" _len)
  if(_len EQUAL 0)
    message(FATAL_ERROR "${_what}: nothing on stderr${_dump}")
  endif()
  math(EXPR _last "${_len} - 1")
  string(SUBSTRING "${_err}" ${_last} 1 _end)
  if(NOT _n EQUAL 1 OR NOT _end STREQUAL "\n")
    message(FATAL_ERROR "${_what}: stderr is not exactly one line (${_n} newlines)${_dump}")
  endif()
  string(REGEX REPLACE "\n$" "" _line "${_err}")
  if(NOT _line MATCHES "^${EXPECT}$")
    message(FATAL_ERROR "${_what}: the error line does not match\n  ^${EXPECT}$${_dump}")
  endif()
else()
  if(NOT _err STREQUAL "")
    message(FATAL_ERROR "${_what}: stderr is not empty${_dump}")
  endif()
  if(NOT _out MATCHES "${EXPECT}")
    message(FATAL_ERROR "${_what}: stdout does not match '${EXPECT}'${_dump}")
  endif()
endif()

if(DEFINED NO_FILE AND NOT NO_FILE STREQUAL "")
  subst(_nofile "${NO_FILE}")
  if(EXISTS "${_nofile}")
    message(FATAL_ERROR "${_what}: created ${_nofile} despite the error${_dump}")
  endif()
  # Nor a stray temporary of the atomic writer next to it.
  get_filename_component(_dir "${_nofile}" DIRECTORY)
  get_filename_component(_base "${_nofile}" NAME)
  file(GLOB _tmps "${_dir}/.${_base}.tmp*")
  if(_tmps)
    message(FATAL_ERROR "${_what}: left temporary files ${_tmps}${_dump}")
  endif()
endif()
message(STATUS "${_what}: exit ${_rc} as expected")
