// SPDX-License-Identifier: Apache-2.0
#ifndef sinusPythonBindings_h
#define sinusPythonBindings_h

#include <pybind11/pybind11.h>

/** What each part of the `sinusseg` Python module adds to it (one file each). */
namespace sinus::python
{
namespace py = pybind11;

void
RegisterErrors();
void
RegisterModel(pybind11::module_ & module);
void
RegisterMetrics(pybind11::module_ & module);
void
RegisterImages(pybind11::module_ & module);
void
RegisterViaImport(pybind11::module_ & module);
void
RegisterTraining(pybind11::module_ & module);
void
RegisterSuggestions(pybind11::module_ & module);

/** A SinusSeg JSON value as the same Python value (dict, list, str, number, bool, None). */
pybind11::object
ToPython(const std::string & json);
} // namespace sinus::python

#endif
