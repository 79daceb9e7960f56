# Type stubs of initcheck._core (src/bindings.cc). Use the package initcheck.
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

DEFAULT_ALPHA: float

class Run:
    passed: bool
    file: str
    alpha: float
    size: int
    warnings: List[str]
    skipped: List[Tuple[str, str, str]]  # (tensor, reason, status)
    strict: bool
    strict_issues: List[str]
    addresses: List[int]
    def format(self, format: str) -> str: ...
    def format_check(self, index: int, format: str) -> str: ...

# (glob, scheme or None = skip, origin, skip reason, from_user, padding row, module)
RuleTuple = Tuple[str, Optional[str], str, str, bool, Optional[int], str]

def parse_scheme(text: str) -> str: ...
def scheme_specs() -> List[dict]: ...
def glob_match(pattern: str, name: str) -> bool: ...
def parse_rule(text: str, origin: str) -> Tuple[str, str]: ...
def check_array(array: np.ndarray, scheme: str, dtype: str, label: str,
                alpha: Optional[float], geometry: dict, independence: bool,
                threads: int) -> Run: ...
def check_arrays(entries: Sequence[Tuple[str, np.ndarray, str]], rules: Sequence[RuleTuple],
                 label: str, alpha: Optional[float], geometry: dict, independence: bool,
                 threads: int, strict: bool) -> Run: ...
def check_file(path: str, scheme: Optional[str], tensor: str,
               rules: Sequence[Union[str, RuleTuple]], rule_files: Sequence[str], preset: str,
               init_range: Optional[float], strict: bool, alpha: Optional[float],
               geometry: dict, independence: bool, threads: int, max_elements: int) -> Run: ...
def preset_names() -> List[str]: ...
def fill(scheme: str, shape: Any, geometry: dict, dtype: str, seed: int, stream: int,
         threads: int) -> np.ndarray: ...
def propagate(weights: str, activation: str, depth: int, width: int, batch: int, seeds: int,
              bias_std: float, seed: int, threads: int) -> dict: ...
def _time_battery(array: np.ndarray, scheme: str, layout: str = ...,
                  repeats: int = ...) -> List[Tuple[float, float]]: ...
