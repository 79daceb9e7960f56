#!/usr/bin/python3
"""Writes the tensor-file fixtures read by lib/test/io_test.cc.

Regenerate (from the repository root) with Debian's Python and NumPy
(python3-numpy; the pyenv `python3` on PATH has no NumPy):

    /usr/bin/python3 lib/test/data/make_fixtures.py

The .npy files are written by NumPy itself (numpy.save / numpy.lib.format),
so the tests check initcheck against what NumPy really writes, including
encode_npy's byte-for-byte equality with numpy.save (NumPy >= 1.24 pads the
header with 21 - len(repr(shape[0])) extra spaces before aligning it to 64
bytes; the committed files were made with NumPy 1.24.2). The expected values
are repeated in io_test.cc; they are exactly representable in their dtypes
except the f4/f8 values 0.1, 1e-3 and -1/3, which the test writes as the same
C++ literals (0.1f, ...).

model.safetensors is written by hand with struct/json (the safetensors
package is not available): the header is compact JSON with "__metadata__"
first and the tensors listed in an order different from their data offsets,
padded with spaces to a multiple of 8 bytes, as the reference implementation
pads it.
"""

import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def save(name, arr, **kw):
    np.save(path(name), arr, **kw)


def bf16_bits(values):
    """bfloat16 bit patterns of values exactly representable in bfloat16."""
    bits = np.asarray(values, dtype="<f4").view("<u4")
    assert np.all(bits & 0xFFFF == 0), "values must be exact in bfloat16"
    return (bits >> 16).astype("<u2")


def write_npy_with_descr(name, descr, shape, data_bytes):
    """A .npy whose header NumPy writes for `descr` (as np.save would)."""
    with open(path(name), "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": descr, "fortran_order": False, "shape": shape})
        f.write(data_bytes)


def main():
    # Supported dtypes, C order.
    save("f4.npy", np.array([[0.1, -0.5, 1e-3], [3.25, -2.0, 100.0]], dtype="<f4"))
    save("f8.npy", np.array([0.1, -1.0 / 3.0, 1e-300, 2.5], dtype="<f8"))
    save("f2.npy", np.array([[0.5, -0.25], [1.0, 65504.0], [2.0**-24, -2.0]], dtype="<f2"))
    # bfloat16 as NumPy writes an ml_dtypes.bfloat16 array: descr '<V2'.
    write_npy_with_descr("bf16.npy", "<V2", (3,),
                         bf16_bits([1.0, -0.15625, 3.0]).tobytes())
    # Fortran order (rank 3) and the same array in C order.
    a = (np.arange(24, dtype="<f4") * 0.25).reshape(2, 3, 4)
    save("f4_rank3_c.npy", a)
    save("f4_rank3_fortran.npy", np.asfortranarray(a))
    # Format versions 2.0 and 3.0.
    with open(path("f8_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.arange(5, dtype="<f8") * 1.5, version=(2, 0))
    with open(path("f4_v3.npy"), "wb") as f:
        np.lib.format.write_array(f, np.array([1.0, 2.0, 3.0], dtype="<f4"), version=(3, 0))
    # Zero-size and scalar arrays.
    save("f4_empty.npy", np.zeros((0, 3), dtype="<f4"))
    save("f8_scalar.npy", np.array(2.5, dtype="<f8"))
    # Files initcheck must refuse.
    save("f4_big_endian.npy", np.array([1.0, 2.0], dtype=">f4"))
    save("i4.npy", np.array([1, 2, 3], dtype="<i4"))
    save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)

    # safetensors: F32, F16, BF16 and I64 tensors plus metadata.
    tensors = [  # (name, dtype, shape, data), in data order
        ("a.weight", "F32", [2, 2],
         np.array([1.0, -2.5, 0.1, 3.0], dtype="<f4").tobytes()),
        ("b.half", "F16", [3], np.array([0.5, -1.0, 65504.0], dtype="<f2").tobytes()),
        ("c.bf16", "BF16", [2], bf16_bits([1.0, -0.15625]).tobytes()),
        ("d.steps", "I64", [2], np.array([7, -3], dtype="<i8").tobytes()),
    ]
    entries = {}
    offset = 0
    for name, dtype, shape, data in tensors:
        entries[name] = {"dtype": dtype, "shape": shape,
                         "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    header = {"__metadata__": {"format": "pt", "note": "initcheck fixture"}}
    for name in ["d.steps", "a.weight", "c.bf16", "b.half"]:
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path("model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, data in tensors:
            f.write(data)


if __name__ == "__main__":
    main()
