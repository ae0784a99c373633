# SPDX-License-Identifier: Apache-2.0
include_guard(GLOBAL)
# -Wall -Wextra on every target of ours; third-party headers come in as SYSTEM includes.
function(sinusseg_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

# Precompiled <torch/torch.h>: one PCH per target (REUSE_FROM needs identical flags).
function(sinusseg_torch_pch target)
  if(SINUSSEG_USE_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()
