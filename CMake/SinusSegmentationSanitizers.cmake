# SPDX-License-Identifier: Apache-2.0
include_guard(GLOBAL)
# Builds that look for memory and undefined-behaviour errors (Documentation/Reliability.md).
#   SINUSSEG_SANITIZE  AddressSanitizer + UndefinedBehaviorSanitizer on all of SinusSeg's code and
#                      tests (tools/sanitize.sh builds and runs every test this way).
#   SINUSSEG_FUZZ      the same plus libFuzzer's coverage, with Clang: the libraries and the fuzz
#                      targets of test/fuzz only (tools/fuzz.sh).
# LibTorch, ITK and VTK come from Debian uninstrumented: their code is not checked, only ours and
# what it hands them. Any report stops the program (-fno-sanitize-recover), so none can scroll by.
option(SINUSSEG_SANITIZE "build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(SINUSSEG_FUZZ "build the libFuzzer targets (Clang) with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(SINUSSEG_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SINUSSEG_FUZZ needs Clang with libFuzzer (Debian: clang-14 libfuzzer-14-dev): "
                      "-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14")
endif()
if(SINUSSEG_SANITIZE OR SINUSSEG_FUZZ)
  set(sinusseg_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${sinusseg_sanitizers})
  add_link_options(${sinusseg_sanitizers})
  if(SINUSSEG_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
  # AddressSanitizer brings its own malloc.
  set(SINUSSEG_WITH_TCMALLOC OFF CACHE BOOL "" FORCE)
  message(STATUS "SinusSegmentation: AddressSanitizer + UndefinedBehaviorSanitizer build")
endif()
