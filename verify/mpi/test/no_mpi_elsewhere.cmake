# The rule "nothing but initcheck-mpi depends on MPI" as a link fact (label
# "architecture"): none of FILES (static libraries and executables)
# references an MPI function.
#   cmake -DNM=nm -DFILES="libinitcheck_verify.a;initcheck" -P no_mpi_elsewhere.cmake
# Fails naming the file and the first MPI symbols it needs.
foreach(f IN LISTS FILES)
  if(f MATCHES "\\.a$")
    set(mode -u)
  else()
    set(mode -D -u)  # an executable: its dynamic symbols
  endif()
  execute_process(COMMAND ${NM} ${mode} "${f}" OUTPUT_VARIABLE text RESULT_VARIABLE rc
                  ERROR_QUIET)
  if(rc)
    message(FATAL_ERROR "${NM} failed on ${f}")
  endif()
  string(REGEX MATCHALL "[ \t]U (P?MPI_[A-Za-z_]+)" hits "${text}")
  if(hits)
    list(LENGTH hits n)
    list(SUBLIST hits 0 3 first)
    message(FATAL_ERROR "${f} references ${n} MPI symbols (${first} ...): only initcheck-mpi "
                        "(verify/mpi) may depend on MPI")
  endif()
  message(STATUS "${f}: no MPI symbol")
endforeach()
