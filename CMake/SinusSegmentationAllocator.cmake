# SPDX-License-Identifier: Apache-2.0
include_guard(GLOBAL)
# The LibTorch programs allocate and free tensors of tens of megabytes in turn. glibc's malloc keeps
# what they free in its main heap: a ViT-B prediction on a DC1000 radiograph peaks at 1.46 GB with
# it and at 1.03 GB with tcmalloc, at the same speed (Documentation/Performance.md). tcmalloc is
# linked into the programs only, never into the libraries: a library does not choose its host's
# allocator (a Python or Slicer process keeps its own).
option(SINUSSEG_WITH_TCMALLOC "link the LibTorch programs with tcmalloc (Debian: libtcmalloc-minimal4) when it is found" ON)
if(SINUSSEG_WITH_TCMALLOC)
  find_library(SINUSSEG_TCMALLOC_LIBRARY NAMES tcmalloc_minimal libtcmalloc_minimal.so.4)
  if(SINUSSEG_TCMALLOC_LIBRARY)
    message(STATUS "SinusSegmentation: LibTorch programs use tcmalloc (${SINUSSEG_TCMALLOC_LIBRARY})")
  else()
    message(STATUS "SinusSegmentation: tcmalloc not found (apt install libtcmalloc-minimal4); glibc's malloc: "
                   "higher peak memory, same results")
  endif()
endif()

function(sinusseg_use_tcmalloc target)
  if(SINUSSEG_WITH_TCMALLOC AND SINUSSEG_TCMALLOC_LIBRARY)
    # Nothing of ours names a tcmalloc symbol: it is there to replace malloc, so it must not be
    # dropped as unneeded.
    target_link_libraries(${target} PRIVATE -Wl,--push-state,--no-as-needed ${SINUSSEG_TCMALLOC_LIBRARY} -Wl,--pop-state)
  endif()
endfunction()
