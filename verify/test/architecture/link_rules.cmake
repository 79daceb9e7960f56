# ctest driver for the house's dependency rules as link facts: the static
# library LIBRARY must not reference any symbol defined by the FORBIDDEN
# libraries (e.g. initcheck::verify must not call anything of initcheck::fill,
# so the oracle cannot use lib's formulas).
#   cmake -DNM=nm -DLIBRARY=libinitcheck_verify.a
#         -DFORBIDDEN="libinitcheck_fill.a;..." -P link_rules.cmake
# Fails listing the offending symbols (demangled).
function(_symbols lib mode out)
  execute_process(COMMAND ${NM} -C ${mode} ${lib} OUTPUT_VARIABLE text RESULT_VARIABLE r
                  ERROR_QUIET)
  if(r)
    message(FATAL_ERROR "${NM} failed on ${lib}")
  endif()
  string(REPLACE "\n" ";" lines "${text}")
  set(names "")
  foreach(line IN LISTS lines)
    # "0000000000000000 T initcheck::plan_fill(...)" or "                 U name"
    if(line MATCHES "^[0-9a-f ]* [TDBR] (.*)$" AND mode STREQUAL "--defined-only")
      list(APPEND names "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^ +U (.*)$" AND mode STREQUAL "--undefined-only")
      list(APPEND names "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

_symbols(${LIBRARY} --undefined-only needed)
list(LENGTH needed n_needed)
if(n_needed EQUAL 0)
  message(FATAL_ERROR "${LIBRARY} references no symbol at all: wrong file?")
endif()
set(violations "")
foreach(f IN LISTS FORBIDDEN)
  _symbols(${f} --defined-only provided)
  foreach(sym IN LISTS needed)
    # Inline functions and templates are emitted weak (W) in every library
    # that uses them; only strong definitions (T, D, B, R) count as "fill's".
    list(FIND provided "${sym}" at)
    if(NOT at EQUAL -1)
      list(APPEND violations "${sym}  (defined in ${f})")
    endif()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "${LIBRARY} uses symbols of a library it must not depend on:\n  ${text}")
endif()
message(STATUS "${LIBRARY}: ${n_needed} undefined symbols, none from ${FORBIDDEN}")
