# SPDX-License-Identifier: Apache-2.0
include_guard(GLOBAL)
# -Wall -Wextra on every target of ours; third-party headers come in as SYSTEM includes.
function(sinusseg_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

# Precompiled <torch/torch.h>, built twice in all: once by the first library and once by the
# first executable that asks, and reused by every later one of its kind (a header precompiled
# with -fPIC is refused with -fPIE, so libraries and executables need one each; definitions that
# differ between targets do not touch torch's headers). -Winvalid-pch says so if GCC ever refuses it.
function(sinusseg_torch_pch target)
  if(NOT SINUSSEG_USE_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set(kind EXECUTABLE)
  else()
    set(kind LIBRARY)
  endif()
  get_property(owner GLOBAL PROPERTY SINUSSEG_TORCH_PCH_${kind})
  if(owner)
    target_precompile_headers(${target} REUSE_FROM ${owner})
    target_compile_options(${target} PRIVATE -Winvalid-pch)
  else()
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
    set_property(GLOBAL PROPERTY SINUSSEG_TORCH_PCH_${kind} ${target})
  endif()
endfunction()
