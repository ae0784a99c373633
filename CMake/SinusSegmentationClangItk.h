// SPDX-License-Identifier: Apache-2.0
// Debian's ITK 5.2 headers were generated for GCC only: their itk_compiler_detection.h stops any
// other compiler with "#error Unsupported compiler". The fuzz build needs Clang (libFuzzer), so it
// includes this file first in every ITK-using source (-include): for that one header Clang presents
// itself as the GCC that built ITK (Debian 12: GCC 12), and the macros are restored right after.
// ITK's own later include of the header then finds it done.
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#pragma push_macro("__GNUC_PATCHLEVEL__")
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#undef __GNUC_PATCHLEVEL__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#define __GNUC_PATCHLEVEL__ 0
#include <itk_compiler_detection.h>
#pragma clang diagnostic pop
#pragma pop_macro("__GNUC_PATCHLEVEL__")
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
