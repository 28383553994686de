# mapfuzz_add_target(NAME <name>
#                    SOURCES <adapter.cc> [more.cc ...]
#                    [LIBRARIES <libs...>] [INCLUDE_DIRS <dirs...>] [DEFINES <defs...>]
#                    [NO_PROPERTY])
#
# Builds, for one mapping library under test:
#   fuzz_<name>      libFuzzer executable (ASan+UBSan), when MAPFUZZ_FUZZERS is ON
#                    (with MAPFUZZ_COVERAGE: clang source-based coverage instead)
#   mapfuzz-<name>   command line: replay, encode, decode (sanitized, no libFuzzer)
#   property_<name>  rapidcheck stateful test under Boost.Test (unless NO_PROPERTY or
#                    rapidcheck/Boost.Test are missing); registered with CTest when
#                    testing is enabled
# The adapter sources are compiled into each executable as C++20 (the harness
# libraries require it of whatever links them), with MAPFUZZ_TARGET_NAME
# defined to "<name>"; the harness core is shared. The LIBRARIES that are
# library targets built from source in this build get this build's
# instrumentation (mapfuzz_instrument_library below). Works from another
# project after add_subdirectory(<path to mapfuzz> mapfuzz). A missing NAME or
# SOURCES stops configuration with an error.

include_guard(GLOBAL)

# Normalised (no "cmake/.."): coverage reports and debug info name the files.
get_filename_component(_mapfuzz_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(MAPFUZZ_ROOT "${_mapfuzz_root}" CACHE INTERNAL "")

# The runtime every exported program carries (harness/export_runtime.c, a C
# file of its own), as a string the CLI writes out (harness/export_runtime.h).
file(READ "${MAPFUZZ_ROOT}/harness/export_runtime.c" MAPFUZZ_EXPORT_RUNTIME_C)
set(MAPFUZZ_EXPORT_RUNTIME_CC "${CMAKE_BINARY_DIR}/mapfuzz_generated/export_runtime_text.cc" CACHE INTERNAL "")
configure_file("${MAPFUZZ_ROOT}/harness/export_runtime_text.cc.in" "${MAPFUZZ_EXPORT_RUNTIME_CC}" @ONLY)
set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${MAPFUZZ_ROOT}/harness/export_runtime.c")
set(MAPFUZZ_COVERAGE_FLAGS -fprofile-instr-generate -fcoverage-mapping
    CACHE INTERNAL "Compile options of a coverage build (MAPFUZZ_COVERAGE)")
set(MAPFUZZ_NO_COVERAGE -fno-sanitize-coverage=inline-8bit-counters,indirect-calls,trace-cmp,pc-table
    CACHE INTERNAL "Compile options that remove libFuzzer's coverage instrumentation")

function(_mapfuzz_link_interposer exe flavor)
  target_link_libraries(${exe} PRIVATE mapfuzz_interpose_${flavor})
  # Export the interposed symbols so shared libraries (and dlopen'ed modules)
  # bind to them instead of libc's.
  target_link_options(${exe} PRIVATE "-Wl,--dynamic-list=${MAPFUZZ_ROOT}/faults/interpose.dynlist")
  target_link_libraries(${exe} PRIVATE dl)
endfunction()

function(mapfuzz_add_target)
  cmake_parse_arguments(T "NO_PROPERTY" "NAME" "SOURCES;LIBRARIES;INCLUDE_DIRS;DEFINES" ${ARGN})
  if(NOT T_NAME OR NOT T_SOURCES)
    message(FATAL_ERROR "mapfuzz_add_target: NAME and SOURCES are required")
  endif()

  if(MAPFUZZ_FUZZERS AND TARGET mapfuzz_core_fuzz)
    set(exe fuzz_${T_NAME})
    add_executable(${exe} ${T_SOURCES} ${MAPFUZZ_ROOT}/harness/fuzz_main.cc)
    target_link_libraries(${exe} PRIVATE mapfuzz_core_fuzz ${T_LIBRARIES})
    target_include_directories(${exe} PRIVATE ${T_INCLUDE_DIRS})
    target_compile_definitions(${exe} PRIVATE ${T_DEFINES} MAPFUZZ_TARGET_NAME="${T_NAME}")
    mapfuzz_apply_fuzz_flags(${exe} EXECUTABLE)
    _mapfuzz_link_interposer(${exe} fuzz)
  endif()

  if(NOT MAPFUZZ_OSS_FUZZ)
    set(exe mapfuzz-${T_NAME})
    add_executable(${exe} ${T_SOURCES} ${MAPFUZZ_ROOT}/harness/cli_main.cc ${MAPFUZZ_ROOT}/harness/gdb_replay.cc
                   ${MAPFUZZ_ROOT}/harness/export.cc ${MAPFUZZ_ROOT}/harness/export_writer.cc
                   ${MAPFUZZ_EXPORT_RUNTIME_CC} ${MAPFUZZ_ROOT}/harness/export_child.cc)
    target_link_libraries(${exe} PRIVATE mapfuzz_run mapfuzz_core_san ${T_LIBRARIES})
    target_include_directories(${exe} PRIVATE ${T_INCLUDE_DIRS})
    target_compile_definitions(${exe} PRIVATE ${T_DEFINES} MAPFUZZ_TARGET_NAME="${T_NAME}")
    mapfuzz_apply_san_flags(${exe} EXECUTABLE)
    _mapfuzz_link_interposer(${exe} san)
  endif()

  if(NOT T_NO_PROPERTY AND NOT MAPFUZZ_OSS_FUZZ AND TARGET mapfuzz_property)
    set(exe property_${T_NAME})
    add_executable(${exe} ${T_SOURCES} ${MAPFUZZ_ROOT}/harness/property/property_main.cc)
    target_link_libraries(${exe} PRIVATE mapfuzz_property mapfuzz_core_san ${T_LIBRARIES})
    target_include_directories(${exe} PRIVATE ${T_INCLUDE_DIRS})
    target_compile_definitions(${exe} PRIVATE ${T_DEFINES} MAPFUZZ_TARGET_NAME="${T_NAME}")
    mapfuzz_apply_san_flags(${exe} EXECUTABLE)
    _mapfuzz_link_interposer(${exe} san)
  endif()
  _mapfuzz_instrument_built_libraries(${T_LIBRARIES})
endfunction()

# mapfuzz_instrument_library(<target>...)
#
# Compiles each library target with the flags of this build kind, the ones the
# fuzz executables' adapter code gets, so the sanitizers see inside the library
# and libFuzzer (or the coverage report) follows its branches:
#   fuzz build (MAPFUZZ_FUZZERS)   MAPFUZZ_SANITIZERS (ASan+UBSan) and -fsanitize=fuzzer-no-link
#   coverage build (MAPFUZZ_COVERAGE)  clang source-based coverage, no sanitizers
#   OSS-Fuzz build (MAPFUZZ_OSS_FUZZ)  nothing: $CFLAGS/$CXXFLAGS already cover every target
#   otherwise                      MAPFUZZ_SANITIZERS, as mapfuzz-<name>
# The flags are PRIVATE: nothing that links the library inherits them (an
# executable of yours that links it must then link the sanitizer runtimes).
# mapfuzz_add_target() calls it on its LIBRARIES that are targets built from
# source; call it yourself for a dependency the adapter does not name. A
# target already instrumented is left as it is. Stops configuration with an
# error for a name that is not a library target built from source in this
# build (an imported or system library cannot be rebuilt).
function(mapfuzz_instrument_library)
  foreach(lib IN LISTS ARGN)
    _mapfuzz_built_library(${lib} ok)
    if(NOT ok)
      message(FATAL_ERROR "mapfuzz_instrument_library: ${lib} is not a library target built from source here")
    endif()
    _mapfuzz_instrument(${lib})
  endforeach()
endfunction()

# Sets <out> to TRUE iff <lib> is a static, shared, module or object library
# target of this build (not imported, not an interface library).
function(_mapfuzz_built_library lib out)
  set(${out} FALSE PARENT_SCOPE)
  if(NOT TARGET ${lib})
    return()
  endif()
  get_target_property(type ${lib} TYPE)
  get_target_property(imported ${lib} IMPORTED)
  if(NOT imported AND type MATCHES "^(STATIC|SHARED|MODULE|OBJECT)_LIBRARY$")
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

# Instruments those of the given libraries that are built from source here;
# skips the others (system libraries, imported targets, link flags).
function(_mapfuzz_instrument_built_libraries)
  foreach(lib IN LISTS ARGN)
    _mapfuzz_built_library(${lib} ok)
    if(ok)
      _mapfuzz_instrument(${lib})
    endif()
  endforeach()
endfunction()

# The flags of this build kind on <lib>, once.
function(_mapfuzz_instrument lib)
  get_target_property(done ${lib} MAPFUZZ_INSTRUMENTED)
  if(done)
    return()
  endif()
  if(MAPFUZZ_FUZZERS OR MAPFUZZ_COVERAGE OR MAPFUZZ_OSS_FUZZ)
    mapfuzz_apply_fuzz_flags(${lib} LIBRARY)
  else()
    mapfuzz_apply_san_flags(${lib} LIBRARY)
  endif()
  set_target_properties(${lib} PROPERTIES MAPFUZZ_INSTRUMENTED TRUE)
endfunction()

# Sanitizer and coverage flags. Kept off global flags: -fsanitize=fuzzer in
# global linker flags breaks CMake's compiler checks.
function(mapfuzz_apply_fuzz_flags tgt kind)
  if(MAPFUZZ_OSS_FUZZ)
    # $CXXFLAGS already carries OSS-Fuzz's sanitizer and coverage flags.
    if(kind STREQUAL "EXECUTABLE")
      separate_arguments(engine UNIX_COMMAND "$ENV{LIB_FUZZING_ENGINE}")
      target_link_options(${tgt} PRIVATE ${engine})
    endif()
    return()
  endif()
  if(MAPFUZZ_COVERAGE)
    # As OSS-Fuzz's coverage builds: libFuzzer runs the corpus (-runs=0), and
    # only the profile counts.
    target_compile_options(${tgt} PRIVATE ${MAPFUZZ_COVERAGE_FLAGS} -g)
    if(kind STREQUAL "EXECUTABLE")
      target_link_options(${tgt} PRIVATE -fsanitize=fuzzer -fprofile-instr-generate)
    endif()
    return()
  endif()
  target_compile_options(${tgt} PRIVATE -fsanitize=fuzzer-no-link,${MAPFUZZ_SANITIZERS} -fno-omit-frame-pointer -g)
  if(kind STREQUAL "EXECUTABLE")
    target_link_options(${tgt} PRIVATE -fsanitize=fuzzer,${MAPFUZZ_SANITIZERS})
  endif()
endfunction()

function(mapfuzz_apply_san_flags tgt kind)
  if(MAPFUZZ_SANITIZERS)
    target_compile_options(${tgt} PRIVATE -fsanitize=${MAPFUZZ_SANITIZERS} -fno-omit-frame-pointer -g)
    if(kind STREQUAL "EXECUTABLE")
      target_link_options(${tgt} PRIVATE -fsanitize=${MAPFUZZ_SANITIZERS})
    endif()
  endif()
endfunction()
