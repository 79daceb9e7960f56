"""Builds initcheck._core with CMake for `pip install ./verify/python`.

The extension is the repository's CMake target initcheck_python, configured
over the repository root with -DINITCHECK_PYTHON_ONLY=ON (the libraries and
the module only: no tests, tools or benchmarks) for the Python running pip
(sys.executable, so a pyenv shim on PATH does not matter). Needs CMake and the
Debian packages of `make deps` (a C++20 compiler, Boost, Eigen, Highway, fmt,
nlohmann-json, oneTBB, pybind11-dev, python3-dev). Environment:
  CMAKE_BUILD_PARALLEL_LEVEL   parallel jobs (default: all cores)
  CMAKE_CXX_COMPILER_LAUNCHER  e.g. ccache
  INITCHECK_CMAKE_ARGS         extra configure arguments
"""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        top = ROOT / "CMakeLists.txt"
        if not top.is_file() or "project(initcheck" not in top.read_text():
            raise RuntimeError(
                f"{ROOT} is not the initcheck repository: build the Python package from a "
                "checkout with `pip install ./verify/python`")
        if shutil.which("cmake") is None:
            raise RuntimeError("building initcheck needs cmake (Debian: apt-get install cmake)")
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        build_temp = Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_temp),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DINITCHECK_PYTHON_ONLY=ON",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-DINITCHECK_PYTHON_PACKAGE_DIR={target.parent}",
        ]
        if shutil.which("ninja") and not (build_temp / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja"]
        configure += shlex.split(os.environ.get("INITCHECK_CMAKE_ARGS", ""))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", str(build_temp), "--target",
                               "initcheck_python", "-j", jobs])
        if not target.is_file():
            built = sorted(p.name for p in target.parent.glob("_core*"))
            raise RuntimeError(f"CMake built {built}, setuptools expects {target.name}")


setup(ext_modules=[CMakeExtension("initcheck._core")], cmdclass={"build_ext": CMakeBuild})
