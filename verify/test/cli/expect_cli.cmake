# Runs the initcheck CLI and checks its exit code and output (a ctest
# helper; see verify/CMakeLists.txt).
#   cmake -DCLI=path -DEXPECT_RC=0 -DEXPECT_REGEX=re -DARGS="a|b|c" -P expect_cli.cmake
# ARGS holds the CLI's arguments separated by "|". The test fails unless the
# exit code equals EXPECT_RC and stdout matches EXPECT_REGEX.
string(REPLACE "|" ";" _args "${ARGS}")
execute_process(COMMAND "${CLI}" ${_args}
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err)
if(NOT "${_rc}" STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "initcheck ${ARGS}: exit code ${_rc}, expected ${EXPECT_RC}\n"
                      "stdout:\n${_out}\nstderr:\n${_err}")
endif()
if(NOT "${_out}" MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "initcheck ${ARGS}: output does not match '${EXPECT_REGEX}'\n"
                      "stdout:\n${_out}\nstderr:\n${_err}")
endif()
message(STATUS "exit code ${_rc}, output matches '${EXPECT_REGEX}'")
