# SPDX-License-Identifier: Apache-2.0
"""`cmake --install` puts an importable `sinusseg` package into Python's site-packages below the prefix."""
import os
import pathlib
import subprocess
import sys

import pytest


def test_the_installed_package_imports_from_below_the_prefix(tmp_path):
    if not os.environ.get("SINUSSEG_BUILD_DIR"):
        pytest.skip("run through ctest, which names the build folder")
    subprocess.run([os.environ["SINUSSEG_CMAKE"], "--install", os.environ["SINUSSEG_BUILD_DIR"], "--prefix", str(tmp_path),
                    "--component", "Python"], check=True, capture_output=True)
    site = tmp_path / os.environ["SINUSSEG_PYTHON_INSTALL_DIR"]
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["PYTHONPATH"] = str(site)
    done = subprocess.run([sys.executable, "-c", "import sinusseg; print(sinusseg.__file__); print(sinusseg.metrics([[1, 0]], [[1, 1]])['dice'])"],
                          env=environment, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    where, dice = done.stdout.split()
    assert pathlib.Path(where).parent == site / "sinusseg" and float(dice) == pytest.approx(2 / 3)
